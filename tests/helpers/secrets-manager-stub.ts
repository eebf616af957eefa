/** A Secrets Manager stand-in for bundled functions (AWS_ENDPOINT_URL_SECRETS_MANAGER points here). */
import { type RecordingServer, startRecordingServer } from './recording-server';

/** Answers GetSecretValue the way Secrets Manager's JSON protocol does, with `secret`; anything else 400. */
export function startSecretsManagerStub(secret: Record<string, string>): Promise<RecordingServer> {
  const json = { 'content-type': 'application/x-amz-json-1.1' };
  return startRecordingServer({
    answer: (request) => {
      if (request.headers['x-amz-target'] !== 'secretsmanager.GetSecretValue') {
        return {
          status: 400,
          headers: json,
          body: { __type: 'InvalidRequestException', message: 'unexpected call' },
        };
      }
      const { SecretId } = JSON.parse(request.body) as { SecretId: string };
      return { headers: json, body: { ARN: SecretId, Name: 'slack', SecretString: JSON.stringify(secret) } };
    },
  });
}
