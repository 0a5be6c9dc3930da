import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';

const IV_BYTES = 12;
const TAG_BYTES = 16;

/**
 * AES-256-GCM for what the queue keeps in Redis: a fresh 12-byte IV per record, and the job id as
 * additional data, so a record copied under another id does not decrypt. Text is iv|tag|data base64.
 */
export class QueueCipher {
  constructor(private readonly key: Buffer) {
    if (key.length !== 32) throw new Error(`The team key must be 32 bytes, not ${key.length}.`);
  }

  /** Seals a text for the record `id`: only the same key and the same id open it. */
  seal(plain: string, id: string): string {
    const iv = randomBytes(IV_BYTES);
    const cipher = createCipheriv('aes-256-gcm', this.key, iv);
    cipher.setAAD(Buffer.from(id, 'utf8'));
    const data = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final()]);
    return Buffer.concat([iv, cipher.getAuthTag(), data]).toString('base64');
  }

  /** The plain text, or throws saying why (most often: written under another team key). */
  open(sealed: string, id: string): string {
    const bytes = Buffer.from(sealed, 'base64');
    if (bytes.length < IV_BYTES + TAG_BYTES) throw new Error('the record is too short to be sealed by the team key');
    const decipher = createDecipheriv('aes-256-gcm', this.key, bytes.subarray(0, IV_BYTES));
    decipher.setAAD(Buffer.from(id, 'utf8'));
    decipher.setAuthTag(bytes.subarray(IV_BYTES, IV_BYTES + TAG_BYTES));
    try {
      return Buffer.concat([decipher.update(bytes.subarray(IV_BYTES + TAG_BYTES)), decipher.final()]).toString('utf8');
    } catch {
      throw new Error('it cannot be decrypted with this team key (another key wrote it, or it was altered)');
    }
  }
}
