// Checks of a CA a user brings instead of letting the program generate one. Node's crypto only:
// the material is read, never printed.
import { X509Certificate, createPrivateKey } from "crypto";

/** Problems with bring-your-own CA material (empty when it can sign our leaves). */
export function caMaterialProblems(certificatePem: string, privateKeyPem: string, key = "pki.bringYourOwnCa"): string[] {
    let cert: X509Certificate;
    try {
        cert = new X509Certificate(certificatePem);
    } catch {
        return [`${key}.certificatePem: is not a PEM certificate; expected the CA certificate, "-----BEGIN CERTIFICATE-----…"`];
    }
    const problems: string[] = [];
    if (!cert.ca) {
        problems.push(`${key}.certificatePem: the certificate for ${JSON.stringify(cert.subject.replace(/\n/g, ", "))} is not a CA (basicConstraints CA:FALSE); bring a CA certificate`);
    }
    if (Date.parse(cert.validTo) < Date.now()) {
        problems.push(`${key}.certificatePem: the CA certificate expired on ${cert.validTo}; bring a valid one`);
    }
    try {
        if (!cert.checkPrivateKey(createPrivateKey(privateKeyPem))) {
            problems.push(`${key}.privateKeyPem: the key does not belong to the CA certificate; bring the CA's own private key`);
        }
    } catch {
        problems.push(`${key}.privateKeyPem: is not a PEM private key; expected "-----BEGIN PRIVATE KEY-----…" (PKCS#8, or an RSA/EC key)`);
    }
    return problems;
}
