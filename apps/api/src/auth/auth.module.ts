import { Global, Module } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { PassportModule } from '@nestjs/passport';
import { Auth0Module } from '../auth0/auth0.module';
import { EligibilityModule } from '../eligibility/eligibility.module';
import { AuthGuard } from './auth.guard';
import { BearerGate } from './bearer-gate';
import { JwtStrategy } from './jwt.strategy';
import { TokenVerifier } from './token-verifier';

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
