import 'reflect-metadata';
import { createPrivateKey, webcrypto } from 'node:crypto';
import * as x509 from '@peculiar/x509';

/**
 * A self-signed certificate for a loopback server (`127.0.0.1`, `localhost`): kubectl sends a kubeconfig's bearer
 * token only over TLS (client-go's clientcmd loads a user's credentials only for a TLS transport), so the Kubernetes
 * API of `jobctl up` is HTTPS, and its kubeconfig trusts exactly this certificate (`certificate-authority-data`).
 * ECDSA P-256: made in milliseconds at every start, never written anywhere but the 0600 kubeconfig's CA field.
 *
 * @peculiar/x509 (MIT) builds the certificate; it needs the reflect-metadata polyfill (Apache-2.0) loaded first.
 */
export interface ServerCertificate {
  /** PEM. */
  readonly cert: string;
  /** PEM, PKCS #8. */
  readonly key: string;
}

export async function selfSignedCertificate(nowMs: number, days = 365): Promise<ServerCertificate> {
  x509.cryptoProvider.set(webcrypto as unknown as Crypto);
  const algorithm = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' };
  const keys = await webcrypto.subtle.generateKey(algorithm, true, ['sign', 'verify']);
  const serial = Buffer.from(webcrypto.getRandomValues(new Uint8Array(16)));
  serial[0] = serial[0]! & 0x7f; // a positive integer, as RFC 5280 asks
  const cert = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: serial.toString('hex'),
    name: 'CN=jobctl',
    notBefore: new Date(nowMs - 60_000),
    notAfter: new Date(nowMs + days * 86_400_000),
    keys: keys as unknown as CryptoKeyPair,
    signingAlgorithm: algorithm,
    extensions: [
      // Its own CA: the kubeconfig's certificate-authority-data is this certificate.
      new x509.BasicConstraintsExtension(true, undefined, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature | x509.KeyUsageFlags.keyCertSign, true),
      new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth]),
      new x509.SubjectAlternativeNameExtension([
        { type: 'ip', value: '127.0.0.1' },
        { type: 'dns', value: 'localhost' },
      ]),
    ],
  });
  const pkcs8 = Buffer.from(await webcrypto.subtle.exportKey('pkcs8', keys.privateKey));
  const key = createPrivateKey({ key: pkcs8, format: 'der', type: 'pkcs8' }).export({ format: 'pem', type: 'pkcs8' });
  return { cert: cert.toString('pem'), key: String(key) };
}
