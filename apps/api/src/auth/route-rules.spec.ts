import { Controller, Get } from '@nestjs/common';
import { Public } from './public.decorator.js';
import {
  AdmitServices,
  FreshEligibility,
  RecentSignIn,
  RequireScopes,
  routeRules,
} from './route-rules.js';

const handlerOf = (cls: { prototype: object }, name: string) =>
  Object.getOwnPropertyDescriptor(cls.prototype, name)!.value as object;

describe('route rules', () => {
  it('default to people only, nothing more', () => {
    @Controller('plain')
    class Plain {
      @Get()
      get() {}
    }
    expect(routeRules(handlerOf(Plain, 'get'), Plain)).toEqual({
      isPublic: false,
      admitServices: false,
      scopes: [],
      freshEligibilityMs: undefined,
      recentSignInMs: undefined,
      personRules: false,
    });
  });

  it("read a handler's own rules over its controller's", () => {
    @AdmitServices()
    @RequireScopes('a:read')
    @RecentSignIn(30)
    @Controller('ruled')
    class Ruled {
      @Get()
      inherits() {}

      @Get('x')
      @RequireScopes('b:write', 'b:write')
      @FreshEligibility(0)
      @RecentSignIn(5)
      own() {}
    }
    expect(routeRules(handlerOf(Ruled, 'inherits'), Ruled)).toMatchObject({
      admitServices: true,
      scopes: ['a:read'],
      recentSignInMs: 30 * 60_000,
      personRules: true,
    });
    expect(routeRules(handlerOf(Ruled, 'own'), Ruled)).toMatchObject({
      scopes: ['b:write'],
      freshEligibilityMs: 0,
      recentSignInMs: 5 * 60_000,
    });
  });

  it('refuse combinations that can only be mistakes', () => {
    @Controller('wrong')
    class Wrong {
      @Get()
      @RequireScopes('a:read')
      scopesForNoOne() {}

      @Get('p')
      @Public()
      @AdmitServices()
      publicRules() {}
    }
    expect(() => routeRules(handlerOf(Wrong, 'scopesForNoOne'), Wrong)).toThrow(/AdmitServices/);
    expect(() => routeRules(handlerOf(Wrong, 'publicRules'), Wrong)).toThrow(/Public/);
  });

  it('refuse bad arguments when the decorator is written', () => {
    expect(() => RequireScopes()).toThrow();
    expect(() => RequireScopes('two words')).toThrow();
    expect(() => FreshEligibility(-1)).toThrow();
    expect(() => FreshEligibility(1.5)).toThrow();
    expect(() => RecentSignIn(0)).toThrow();
  });
});
