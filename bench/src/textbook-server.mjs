// @ts-check
// The textbook reference server, for side-by-side ratios: Nest on the Express adapter,
// @nestjs/passport + passport-jwt + jwks-rsa's passportJwtSecret (as in Auth0's NestJS
// quickstart and Nest's authentication guide), a global AuthGuard('jwt') with a @Public()
// opt-out, `GET /api/me` answering `req.user` and a public `GET /api/health/live`.
// Plain JavaScript: the decorators are applied by hand, exactly as TypeScript would.
//   PORT=3001 JWKS_URI=https://localhost:4010/.well-known/jwks.json \
//   AUTH0_ISSUER=https://localhost:4010/ AUTH0_AUDIENCE=https://api.portcullis.test \
//   node src/textbook-server.mjs          (with NODE_EXTRA_CA_CERTS for the emulator's TLS)
import 'reflect-metadata';
import { Controller, Get, Injectable, Module, Req, SetMetadata } from '@nestjs/common';
import { APP_GUARD, NestFactory, Reflector } from '@nestjs/core';
import { AuthGuard, PassportModule, PassportStrategy } from '@nestjs/passport';
import jwksRsa from 'jwks-rsa';
import { ExtractJwt, Strategy } from 'passport-jwt';

const { PORT, JWKS_URI, AUTH0_ISSUER, AUTH0_AUDIENCE } = process.env;
if (!PORT || !JWKS_URI || !AUTH0_ISSUER || !AUTH0_AUDIENCE) {
  console.error('PORT, JWKS_URI, AUTH0_ISSUER and AUTH0_AUDIENCE are required');
  process.exit(1);
}

/**
 * Applies a method decorator the way TypeScript's __decorate does.
 * @param {Function} Class
 * @param {string} name
 * @param {...MethodDecorator} decorators
 */
function decorateMethod(Class, name, ...decorators) {
  const descriptor = Object.getOwnPropertyDescriptor(Class.prototype, name);
  if (!descriptor) throw new Error(`${Class.name} has no method ${name}`);
  for (const decorate of decorators.reverse()) decorate(Class.prototype, name, descriptor);
}

/**
 * What `emitDecoratorMetadata` would record for constructor injection.
 * @param {Function} Class
 * @param {unknown[]} [paramTypes]
 */
function injectable(Class, paramTypes = []) {
  Injectable()(Class);
  Reflect.defineMetadata('design:paramtypes', paramTypes, Class);
}

const IS_PUBLIC = 'isPublic';
const Public = () => SetMetadata(IS_PUBLIC, true);

class JwtStrategy extends PassportStrategy(Strategy) {
  constructor() {
    super({
      secretOrKeyProvider: jwksRsa.passportJwtSecret({
        cache: true,
        rateLimit: true,
        jwksRequestsPerMinute: 5,
        jwksUri: /** @type {string} */ (JWKS_URI),
      }),
      jwtFromRequest: ExtractJwt.fromAuthHeaderAsBearerToken(),
      audience: AUTH0_AUDIENCE,
      issuer: AUTH0_ISSUER,
      algorithms: ['RS256'],
    });
  }

  /** @param {unknown} payload */
  validate(payload) {
    return payload;
  }
}
injectable(JwtStrategy);

class JwtAuthGuard extends AuthGuard('jwt') {
  /** @param {Reflector} reflector */
  constructor(reflector) {
    super();
    this.reflector = reflector;
  }

  /**
   * @override
   * @param {import('@nestjs/common').ExecutionContext} context
   */
  canActivate(context) {
    const isPublic = this.reflector.getAllAndOverride(IS_PUBLIC, [
      context.getHandler(),
      context.getClass(),
    ]);
    if (isPublic) return true;
    return super.canActivate(context);
  }
}
injectable(JwtAuthGuard, [Reflector]);

class MeController {
  /** @param {{ user: unknown }} req */
  me(req) {
    return req.user;
  }
}
Controller('me')(MeController);
Req()(MeController.prototype, 'me', 0);
decorateMethod(MeController, 'me', Get());

class HealthController {
  live() {
    return { status: 'ok' };
  }
}
Controller('health')(HealthController);
Public()(HealthController);
decorateMethod(HealthController, 'live', Get('live'));

class AppModule {}
Module({
  imports: [PassportModule],
  controllers: [MeController, HealthController],
  providers: [JwtStrategy, { provide: APP_GUARD, useClass: JwtAuthGuard }],
})(AppModule);

const app = await NestFactory.create(AppModule, { logger: ['error', 'warn'] });
app.setGlobalPrefix('api');
app.enableShutdownHooks();
await app.listen(Number(PORT), '127.0.0.1');
