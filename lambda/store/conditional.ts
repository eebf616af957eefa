/**
 * Conditional writes: how the store gets "exactly once" without transactions (dynalite has none).
 * A write whose condition fails is an answer (someone else got there first), not an error.
 */
import {
  DeleteCommand,
  type DeleteCommandInput,
  type DynamoDBDocumentClient,
  PutCommand,
  type PutCommandInput,
  UpdateCommand,
  type UpdateCommandInput,
  type UpdateCommandOutput,
} from '@aws-sdk/lib-dynamodb';
import { TABLE } from './table';

export function isConditionFailure(error: unknown): boolean {
  // By name rather than instanceof: a second copy of the SDK in the bundle would defeat instanceof.
  return error instanceof Error && error.name === 'ConditionalCheckFailedException';
}

/** Runs a conditional write: its output, or undefined when its condition failed. */
export async function ifConditionHolds<T>(write: () => Promise<T>): Promise<T | undefined> {
  try {
    return await write();
  } catch (error) {
    if (isConditionFailure(error)) return undefined;
    throw error;
  }
}

/** A conditional put: true when written, false when its condition failed. */
export async function putIf(client: DynamoDBDocumentClient, input: PutCommandInput): Promise<boolean> {
  return (await ifConditionHolds(() => client.send(new PutCommand(input)))) !== undefined;
}

/** Puts the item unless one with its key exists: true when written, false when already there. */
export function putIfAbsent(
  client: DynamoDBDocumentClient,
  input: Pick<PutCommandInput, 'TableName' | 'Item'>,
): Promise<boolean> {
  return putIf(client, {
    ...input,
    ConditionExpression: 'attribute_not_exists(#pk)',
    ExpressionAttributeNames: { '#pk': TABLE.partitionKey },
  });
}

/** A conditional update: its output (with `ReturnValues`), or undefined when its condition failed. */
export function updateIf(
  client: DynamoDBDocumentClient,
  input: UpdateCommandInput,
): Promise<UpdateCommandOutput | undefined> {
  return ifConditionHolds(() => client.send(new UpdateCommand(input)));
}

/** A conditional delete: true when deleted, false when its condition failed. */
export async function deleteIf(client: DynamoDBDocumentClient, input: DeleteCommandInput): Promise<boolean> {
  return (await ifConditionHolds(() => client.send(new DeleteCommand(input)))) !== undefined;
}
