import { Module } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { PassportModule } from '@nestjs/passport';
import { Auth0Module } from '../auth0/auth0.module';
import { EligibilityModule } from '../eligibility/eligibility.module';
import { AuthGuard } from './auth.guard';
import { JwtStrategy } from './jwt.strategy';
import { SessionCipher } from './session-cipher';
import { SessionCookie } from './session-cookie';
import { SessionController } from './session.controller';
import { SessionService } from './session.service';
import { TokenVerifier } from './token-verifier';

@Module({
  imports: [PassportModule, Auth0Module, EligibilityModule],
  controllers: [SessionController],
  providers: [
    SessionCipher,
    SessionCookie,
    SessionService,
    TokenVerifier,
    JwtStrategy,
    // Secure by default: every route of every module needs a token unless @Public().
    { provide: APP_GUARD, useClass: AuthGuard },
  ],
  exports: [SessionService, SessionCookie, TokenVerifier],
})
export class SessionModule {}
