import { Global, Module } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { PassportModule } from '@nestjs/passport';
import { Auth0Module } from '../auth0/auth0.module.js';
import { EligibilityModule } from '../eligibility/eligibility.module.js';
import { AuthGuard } from './auth.guard.js';
import { BearerGate } from './bearer-gate.js';
import { JwtStrategy } from './jwt.strategy.js';
import { TokenVerifier } from './token-verifier.js';

/** Who is calling: the global guard, passport-jwt and Auth0's signing keys. */
@Global()
@Module({
  imports: [PassportModule, Auth0Module, EligibilityModule],
  providers: [
    TokenVerifier,
    BearerGate,
    JwtStrategy,
    // Secure by default: every route of every module needs a token unless @Public().
    { provide: APP_GUARD, useClass: AuthGuard },
  ],
  exports: [TokenVerifier, BearerGate],
})
export class AuthModule {}
