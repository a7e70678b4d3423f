import { Controller, Get, Res } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { Public } from '../auth/public.decorator.js';
import { ApiContract } from './openapi.contract.js';
import { DOCS_CSS, DOCS_HTML, DOCS_JS } from './openapi.page.js';
import { OpenApiService } from './openapi.service.js';

/** The contract, for people and tools: public, like the README that describes it. */
@Public()
@Controller()
export class OpenApiController {
  constructor(private readonly openapi: OpenApiService) {}

  @Get('openapi.json')
  @ApiContract({ summary: 'This document (OpenAPI 3.1).', responseType: 'application/json' })
  document(@Res() reply: FastifyReply): void {
    void reply
      .header('cache-control', 'no-cache')
      .type('application/json; charset=utf-8')
      .send(this.openapi.json());
  }

  @Get('docs')
  @ApiContract({ summary: 'A reference page for this document.', responseType: 'text/html' })
  page(@Res() reply: FastifyReply): void {
    void reply.header('cache-control', 'no-cache').type('text/html; charset=utf-8').send(DOCS_HTML);
  }

  // The page's own files: part of the page, not of the contract.
  @Get('docs/reference.js')
  @ApiContract({ hidden: true })
  script(@Res() reply: FastifyReply): void {
    void reply
      .header('cache-control', 'no-cache')
      .type('text/javascript; charset=utf-8')
      .send(DOCS_JS);
  }

  @Get('docs/reference.css')
  @ApiContract({ hidden: true })
  stylesheet(@Res() reply: FastifyReply): void {
    void reply.header('cache-control', 'no-cache').type('text/css; charset=utf-8').send(DOCS_CSS);
  }
}
