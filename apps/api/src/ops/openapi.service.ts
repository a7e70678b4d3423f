import { Inject, Injectable, type Type } from '@nestjs/common';
import { DiscoveryService, MetadataScanner } from '@nestjs/core';
import {
  buildOpenApiDocument,
  type DiscoveredRoute,
  type OpenApiDocument,
} from './openapi.document.js';
import { APP_CONFIG, type AppConfig } from '../config/config.js';

/** The document of every controller this application registered, built once on first use. */
@Injectable()
export class OpenApiService {
  private built?: { doc: OpenApiDocument; json: string };

  constructor(
    private readonly discovery: DiscoveryService,
    private readonly scanner: MetadataScanner,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  document(): OpenApiDocument {
    return this.build().doc;
  }

  /** The document serialised once (it never changes while the process runs). */
  json(): string {
    return this.build().json;
  }

  private build() {
    if (this.built) return this.built;
    const routes: DiscoveredRoute[] = [];
    for (const wrapper of this.discovery.getControllers()) {
      const controller = wrapper.metatype as Type<unknown> | null;
      if (!controller) continue;
      const proto = controller.prototype as Record<string, DiscoveredRoute['handler']>;
      for (const name of this.scanner.getAllMethodNames(proto))
        routes.push({ controller, handler: proto[name]! });
    }
    // This deployment's settings: e.g. verify's code pattern follows OTP_LENGTH.
    const doc = buildOpenApiDocument(routes, { otpLength: this.config.otp.length });
    this.built = { doc, json: JSON.stringify(doc) };
    return this.built;
  }
}
