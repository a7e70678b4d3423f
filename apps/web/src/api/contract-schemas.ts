// The shared schemas the SPA checks with, and nothing else: this module is the whole of the
// lazily loaded contract chunk (see contract.ts), so a schema only the API uses stays out.
export {
  ChallengeSchema,
  EmailSchema,
  MeResponseSchema,
  OtpCodeSchema,
  ProblemSchema,
  SessionsResponseSchema,
  StartResponseSchema,
} from '@portcullis/shared';
