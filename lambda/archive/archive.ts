/**
 * Where compiled postmortems are kept: S3 in AWS, `DATA_DIR/postmortems/` locally.
 */
import { randomUUID } from 'node:crypto';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';

export interface PostmortemArchive {
  /** Stores (or replaces) a document; returns where it is, for people to find it. */
  put(fileName: string, markdown: string): Promise<string>;
  get(fileName: string): Promise<string | undefined>;
}

export class FileArchive implements PostmortemArchive {
  constructor(private readonly directory: string) {}

  async put(fileName: string, markdown: string): Promise<string> {
    await mkdir(this.directory, { recursive: true });
    const file = path.join(this.directory, path.basename(fileName));
    // Write then rename, so a reader never sees half a document; a name of its own per write, so two
    // writes at once (the incident's job and its pull request's) never rename each other's file.
    const temporary = `${file}.${process.pid}.${randomUUID()}.tmp`;
    await writeFile(temporary, markdown, 'utf8');
    await rename(temporary, file);
    return file;
  }

  async get(fileName: string): Promise<string | undefined> {
    try {
      return await readFile(path.join(this.directory, path.basename(fileName)), 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw error;
    }
  }
}
