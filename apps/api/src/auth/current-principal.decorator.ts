import { createParamDecorator, type ExecutionContext } from '@nestjs/common';
import type { AuthRequest } from './auth.types.js';
import type { Principal } from './principal.js';

/**
 * The caller of a guarded route, as the global AuthGuard built it: a person (session cookie
 * or a person's Bearer token) or, on routes that @AdmitServices(), a service. Type the
 * parameter `PersonPrincipal` on a people-only route (the guard lets no service reach it),
 * `Principal` on one that admits services.
 */
export const CurrentPrincipal = createParamDecorator(
  (_data: unknown, ctx: ExecutionContext): Principal => {
    const req = ctx.switchToHttp().getRequest<AuthRequest>();
    if (!req.principal) throw new Error('@CurrentPrincipal() used on a @Public() route');
    return req.principal;
  },
);
