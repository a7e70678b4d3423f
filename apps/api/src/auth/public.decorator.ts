import { SetMetadata } from '@nestjs/common';

export const IS_PUBLIC = 'portcullis:isPublic';

/** Opts a route (or a whole controller) out of the global authentication guard. */
export const Public = () => SetMetadata(IS_PUBLIC, true);
