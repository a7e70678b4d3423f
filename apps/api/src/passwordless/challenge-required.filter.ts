// Start's 428 `challenge_required` carries the challenge in the problem body. The global
// filter writes the contract's common fields only, so this one, on start alone, writes the
// same problem+json (status, headers, body) with the challenge added.
import { Catch, type ArgumentsHost, type ExceptionFilter } from '@nestjs/common';
import { problem, type ChallengeProblem } from '@portcullis/shared';
import type { FastifyReply } from 'fastify';
import { ChallengeRequired } from '../abuse/flood-challenge.js';
import { sendProblem } from '../common/problem.js';

@Catch(ChallengeRequired)
export class ChallengeRequiredFilter implements ExceptionFilter {
  catch(err: ChallengeRequired, host: ArgumentsHost): void {
    const reply = host.switchToHttp().getResponse<FastifyReply>();
    const body: ChallengeProblem = {
      ...problem('challenge_required', { detail: err.detail }),
      code: 'challenge_required',
      challenge: err.challenge,
    };
    sendProblem(reply, body);
  }
}
