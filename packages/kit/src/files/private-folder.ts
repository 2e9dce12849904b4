import { chmod, mkdir, readdir } from 'node:fs/promises';
import { join } from 'node:path';

/**
 * Creates `path` (and missing parents) readable by this user only, and takes group and other access away from
 * it when it already existed: DATA_DIR holds the embedded database (password hashes, roles) and signing keys.
 */
export async function makePrivateFolder(path: string): Promise<void> {
  await mkdir(path, { recursive: true, mode: 0o700 });
  await chmod(path, 0o700);
}

/**
 * Folders 0700 and files 0600 everywhere under `path`. PGlite creates its files 0666 whatever the umask; inside
 * a private folder nobody else can reach them, and this keeps them private at rest too.
 */
export async function makePrivateTree(path: string): Promise<void> {
  const entries = await readdir(path, { withFileTypes: true });
  await Promise.all(
    entries.map(async (entry) => {
      const child = join(path, entry.name);
      if (entry.isDirectory()) {
        await chmod(child, 0o700);
        await makePrivateTree(child);
      } else if (entry.isFile()) {
        await chmod(child, 0o600);
      }
    }),
  );
}
