/**
 * One AWS request a handler made in a test, as the recording middleware saw it (test/support/aws-rules/recorder.ts):
 * the input exactly as the SDK was about to serialize it (lib-dynamodb's marshalling already applied), so its member
 * names are the API model's.
 */
export interface RecordedRequest {
  /**
   * Who made it: the logical ID of the IAM role in the synthesized template whose credentials the caller has (the
   * Lambda function's role), e.g. `JobctlJobControllerRoleABCD1234`.
   */
  role: string;
  /** The API model's service: `dynamodb`, `ecs`, `scheduler`, `sqs`, `logs`, `lambda`, `cloudformation`. */
  service: string;
  /** The API model's operation name, e.g. `RunTask`, `PutItem`, `SendMessageBatch`. */
  operation: string;
  /** The request's members, named as in the API model. */
  input: Record<string, unknown>;
  /** Region of the client that sent it. */
  region: string;
  /** Account of the caller (the role's account). */
  account: string;
}
