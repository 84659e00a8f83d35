import * as crypto from 'crypto';

/**
 * Secret values cross the language-server connection sealed: the client sends a one-time
 * X25519 public key with its request, the server encrypts to it. A message trace of the
 * connection then shows public keys and ciphertext, never a value.
 */
export interface SealedBox {
  serverPublicKey: string;
  iv: string;
  ciphertext: string;
  tag: string;
}

const INFO = Buffer.from('metaflow-secrets run payload v1');

function derive(privateKey: crypto.KeyObject, publicKey: crypto.KeyObject, salt: Buffer): Buffer {
  const shared = crypto.diffieHellman({ privateKey, publicKey });
  return Buffer.from(crypto.hkdfSync('sha256', shared, salt, INFO, 32));
}

function publicKeyFrom(b64: string): crypto.KeyObject {
  return crypto.createPublicKey({ key: Buffer.from(b64, 'base64'), format: 'der', type: 'spki' });
}

/** The client's side: a key pair for one request. */
export function openingKey(): { publicKey: string; open(box: SealedBox): string } {
  const { publicKey, privateKey } = crypto.generateKeyPairSync('x25519');
  const pub = publicKey.export({ format: 'der', type: 'spki' }).toString('base64');
  return {
    publicKey: pub,
    open(box: SealedBox): string {
      const iv = Buffer.from(box.iv, 'base64');
      const key = derive(privateKey, publicKeyFrom(box.serverPublicKey), iv);
      const decipher = crypto.createDecipheriv('aes-256-gcm', key, iv);
      decipher.setAuthTag(Buffer.from(box.tag, 'base64'));
      return Buffer.concat([decipher.update(Buffer.from(box.ciphertext, 'base64')), decipher.final()]).toString('utf8');
    },
  };
}

/** The server's side: seals `plaintext` to the client's one-time public key. */
export function seal(plaintext: string, clientPublicKey: string): SealedBox {
  const { publicKey, privateKey } = crypto.generateKeyPairSync('x25519');
  const iv = crypto.randomBytes(12);
  const key = derive(privateKey, publicKeyFrom(clientPublicKey), iv);
  const cipher = crypto.createCipheriv('aes-256-gcm', key, iv);
  const ciphertext = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
  return {
    serverPublicKey: publicKey.export({ format: 'der', type: 'spki' }).toString('base64'),
    iv: iv.toString('base64'),
    ciphertext: ciphertext.toString('base64'),
    tag: cipher.getAuthTag().toString('base64'),
  };
}
