/** The AWS archive: postmortems as Markdown objects in the stack's bucket. */
import { GetObjectCommand, NoSuchKey, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import type { PostmortemArchive } from './archive';

export class S3Archive implements PostmortemArchive {
  constructor(private readonly options: { client: S3Client; bucket: string; prefix?: string }) {}

  private key(fileName: string): string {
    return `${this.options.prefix ?? 'postmortems/'}${fileName}`;
  }

  async put(fileName: string, markdown: string): Promise<string> {
    const key = this.key(fileName);
    await this.options.client.send(
      new PutObjectCommand({
        Bucket: this.options.bucket,
        Key: key,
        Body: markdown,
        ContentType: 'text/markdown; charset=utf-8',
      }),
    );
    return `s3://${this.options.bucket}/${key}`;
  }

  async get(fileName: string): Promise<string | undefined> {
    try {
      const result = await this.options.client.send(
        new GetObjectCommand({ Bucket: this.options.bucket, Key: this.key(fileName) }),
      );
      return await result.Body?.transformToString('utf8');
    } catch (error) {
      if (error instanceof NoSuchKey) return undefined;
      throw error;
    }
  }
}
