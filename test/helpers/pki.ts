// Real certificates and keys for tests (node-forge): CAs, intermediates, and the broken kinds a
// user might bring. Keys are RSA-1024, generated once per process: fast, and never used for anything real.
import * as forge from "node-forge";

const keys: forge.pki.rsa.KeyPair[] = [];
/** The n-th test key pair (made on first use). */
export function keyPair(n = 0): forge.pki.rsa.KeyPair {
    while (keys.length <= n) keys.push(forge.pki.rsa.generateKeyPair(1024));
    return keys[n];
}

export interface TestCert {
    cert: string;
    key: string;
    forge: forge.pki.Certificate;
    keys: forge.pki.rsa.KeyPair;
}

export interface CertOptions {
    commonName?: string;
    /** Key pair index (see keyPair). */
    key?: number;
    /** Issuer; self-signed when absent. */
    issuer?: TestCert;
    ca?: boolean;
    /** keyUsage bits; absent = no keyUsage extension. */
    keyUsage?: { keyCertSign?: boolean; cRLSign?: boolean; digitalSignature?: boolean };
    notBefore?: Date;
    notAfter?: Date;
    serial?: string;
}

/** A certificate with the given properties, and its key, as PEM. */
export function makeCert(options: CertOptions = {}): TestCert {
    const pair = keyPair(options.key ?? 0);
    const cert = forge.pki.createCertificate();
    cert.publicKey = pair.publicKey;
    cert.serialNumber = options.serial ?? String(Math.floor(Math.random() * 1e9) + 1);
    cert.validity.notBefore = options.notBefore ?? new Date(Date.now() - 60_000);
    cert.validity.notAfter = options.notAfter ?? new Date(Date.now() + 365 * 86_400_000);
    const subject = [{ name: "commonName", value: options.commonName ?? "Test CA" }];
    cert.setSubject(subject);
    cert.setIssuer(options.issuer ? options.issuer.forge.subject.attributes : subject);
    const extensions: any[] = [{ name: "basicConstraints", cA: options.ca ?? true }];
    if (options.keyUsage) extensions.push({ name: "keyUsage", ...options.keyUsage });
    cert.setExtensions(extensions);
    cert.sign(options.issuer ? options.issuer.keys.privateKey : pair.privateKey, forge.md.sha256.create());
    return { cert: forge.pki.certificateToPem(cert), key: forge.pki.privateKeyToPem(pair.privateKey), forge: cert, keys: pair };
}

/** A usable root CA (CA:TRUE, keyCertSign). */
export const rootCa = (options: CertOptions = {}) => makeCert({ commonName: "Test Root CA", keyUsage: { keyCertSign: true, cRLSign: true }, ...options });
