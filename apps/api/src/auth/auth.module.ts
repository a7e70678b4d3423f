import { Global, Module } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { PassportModule } from '@nestjs/passport';
import { AuthGuard } from './auth.guard';
import { JwtStrategy } from './jwt.strategy';
import { TokenVerifier } from './token-verifier';

/** Who is calling: the global guard, passport-jwt and Auth0's signing keys. */
@Global()
@Module({
  imports: [PassportModule],
  providers: [
    TokenVerifier,
    JwtStrategy,
    // Secure by default: every route of every module needs a token unless @Public().
    { provide: APP_GUARD, useClass: AuthGuard },
  ],
  exports: [TokenVerifier],
})
export class AuthModule {}
