import { Module } from '@nestjs/common';
import { Auth0Client } from './auth0.client.js';

@Module({ providers: [Auth0Client], exports: [Auth0Client] })
export class Auth0Module {}
