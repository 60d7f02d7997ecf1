// Checks of a CA a user brings instead of letting the program generate one, and what follows from
// it: the chain a gateway must serve, the certificate clients must trust. Node's crypto only: the
// material is read, never printed (messages name keys and certificate subjects, never contents).
import { X509Certificate, createPrivateKey } from "crypto";

const PEM_CERTIFICATE = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----(\r?\n)?/g;

/**
 * Every certificate block of a PEM bundle, in order, as written (with its line break): a bundle of
 * one certificate gives it back unchanged, so the leaves it signs keep their inputs.
 */
export function pemCertificates(pem: string): string[] {
    return pem.match(PEM_CERTIFICATE) ?? [];
}

function parse(block: string): X509Certificate | undefined {
    try {
        return new X509Certificate(block);
    } catch {
        return undefined;
    }
}

const subjectOf = (cert: X509Certificate) => JSON.stringify(cert.subject.replace(/\n/g, ", "));

/** Whether `cert` signed itself (a root). */
function selfSigned(cert: X509Certificate): boolean {
    return cert.subject === cert.issuer && cert.verify(cert.publicKey);
}

/**
 * Where the value of the certificate extension with OID 2.5.29.<last> starts in its DER: after the
 * OID, the critical flag if there is one, and the OCTET STRING header that wraps the value.
 */
function extensionValueAt(der: Buffer, last: number): number | undefined {
    const oid = Buffer.from([0x06, 0x03, 0x55, 0x1d, last]);
    const at = der.indexOf(oid);
    if (at < 0) return undefined;
    let i = at + oid.length;
    if (der[i] === 0x01) i += 2 + der[i + 1]; // critical flag
    if (der[i] !== 0x04) return undefined; // OCTET STRING holding the value
    return i + 2;
}

/**
 * The key usage bits of a certificate (RFC 5280 §4.2.1.3), read from its DER: undefined when it
 * has no key usage extension (then every use is allowed). Node exposes the extended key usage
 * only, so the extension (OID 2.5.29.15) is found by its encoding.
 */
export function keyUsage(cert: X509Certificate): { keyCertSign: boolean; cRLSign: boolean } | undefined {
    const der = cert.raw;
    const i = extensionValueAt(der, 0x0f);
    if (i === undefined || der[i] !== 0x03) return undefined; // a BIT STRING
    const length = der[i + 1];
    const first = length >= 2 ? der[i + 3] : 0;
    // Bit 5 (keyCertSign) and bit 6 (cRLSign), counted from the most significant bit.
    return { keyCertSign: (first & 0x04) !== 0, cRLSign: (first & 0x02) !== 0 };
}

/**
 * Whether the certificate's basicConstraints say CA:TRUE (RFC 5280 §4.2.1.9), read from its DER.
 * Node's `ca` is OpenSSL's X509_check_ca, which is also false for a CA:TRUE certificate whose
 * keyUsage lacks keyCertSign: the two causes need different messages.
 */
export function basicConstraintsCa(cert: X509Certificate): boolean {
    const der = cert.raw;
    const i = extensionValueAt(der, 0x13);
    if (i === undefined || der[i] !== 0x30) return false; // SEQUENCE { cA BOOLEAN DEFAULT FALSE, pathLenConstraint }
    return der[i + 1] > 0 && der[i + 2] === 0x01 && der[i + 3] === 0x01 && der[i + 4] !== 0x00;
}

/** What the checks of a brought CA need to know besides the material. */
export interface CaCheckOptions {
    /** Config key prefix for messages. */
    key?: string;
    /** Lifetime of the leaves the CA will sign, in hours: it must outlive them. */
    validityHours?: number;
    /** The time to check against (tests pin it). */
    now?: Date;
}

/** Problems with bring-your-own CA material (empty when it can sign the leaves). */
export function caMaterialProblems(certificatePem: string | undefined, privateKeyPem: string | undefined, options: CaCheckOptions = {}): string[] {
    const key = options.key ?? "pki.bringYourOwnCa";
    const now = options.now ?? new Date();
    const setKey = `pulumi config set --secret --path ${key}.privateKeyPem -- "$(cat ca.key)"`;
    if (!certificatePem || certificatePem.trim() === "") {
        return [`${key}.certificatePem: is empty; set the CA certificate (PEM): pulumi config set --path ${key}.certificatePem -- "$(cat ca.crt)"`];
    }
    if (!privateKeyPem || privateKeyPem.trim() === "") {
        return [`${key}.privateKeyPem: is empty; set the CA's private key as a secret: ${setKey}`];
    }
    const certLooksLikeKey = /-----BEGIN [A-Z ]*PRIVATE KEY-----/.test(certificatePem);
    const keyLooksLikeCert = /-----BEGIN CERTIFICATE-----/.test(privateKeyPem);
    if (certLooksLikeKey && keyLooksLikeCert) {
        return [`${key}: certificatePem holds a private key and privateKeyPem a certificate; the two are swapped: set each to the other's value (the key as a secret)`];
    }
    if (certLooksLikeKey) {
        return [`${key}.certificatePem: holds a private key, not a certificate; put the CA certificate here and the key in ${key}.privateKeyPem (as a secret), and rotate that key if this config was shared`];
    }
    const certs = pemCertificates(certificatePem).map(parse);
    if (certs.length === 0 || certs.some((c) => !c)) {
        return [`${key}.certificatePem: is not a PEM certificate${certs.length > 1 ? " bundle" : ""}; expected the CA certificate, "-----BEGIN CERTIFICATE-----…", optionally followed by the certificates that issued it`];
    }
    if (keyLooksLikeCert) {
        return [`${key}.privateKeyPem: holds a certificate, not a private key; set the CA's private key as a secret: ${setKey}`];
    }
    if (/ENCRYPTED/.test(privateKeyPem)) {
        return [`${key}.privateKeyPem: is encrypted with a passphrase; decrypt it (openssl pkey -in ca.key -out ca-plain.key) and set that as a secret`];
    }
    let privateKey: ReturnType<typeof createPrivateKey>;
    try {
        privateKey = createPrivateKey(privateKeyPem);
    } catch {
        return [`${key}.privateKeyPem: is not a PEM private key; expected "-----BEGIN PRIVATE KEY-----…" (PKCS#8, or an RSA or EC key)`];
    }

    const problems: string[] = [];
    const chain = certs as X509Certificate[];
    const [ca] = chain;
    if (!ca.checkPrivateKey(privateKey)) {
        const owner = chain.findIndex((c) => c.checkPrivateKey(privateKey));
        problems.push(owner > 0
            ? `${key}.certificatePem: the key belongs to certificate ${owner + 1} of the bundle (${subjectOf(chain[owner])}), not to the first; put the CA that signs the leaves first, then each certificate that issued the one before`
            : `${key}.privateKeyPem: the key does not belong to the CA certificate ${subjectOf(ca)}; bring that CA's own private key`);
    }
    const usage = keyUsage(ca);
    if (!basicConstraintsCa(ca)) {
        problems.push(`${key}.certificatePem: the certificate for ${subjectOf(ca)} is not a CA (its basicConstraints lacks CA:TRUE); bring a CA certificate`);
    } else if (usage && !usage.keyCertSign) {
        problems.push(`${key}.certificatePem: the CA certificate for ${subjectOf(ca)} may not sign certificates (its keyUsage lacks keyCertSign); bring one issued for signing`);
    }
    const notAfter = new Date(ca.validTo);
    const notBefore = new Date(ca.validFrom);
    if (notAfter.getTime() <= now.getTime()) {
        problems.push(`${key}.certificatePem: the CA certificate ${subjectOf(ca)} expired on ${notAfter.toISOString()}; bring a valid one`);
    } else if (notBefore.getTime() > now.getTime()) {
        problems.push(`${key}.certificatePem: the CA certificate ${subjectOf(ca)} is not valid before ${notBefore.toISOString()}; bring one valid now`);
    } else if (options.validityHours !== undefined) {
        const leavesEnd = new Date(now.getTime() + options.validityHours * 3_600_000);
        if (notAfter < leavesEnd) {
            const hours = Math.floor((notAfter.getTime() - now.getTime()) / 3_600_000);
            problems.push(`${key}.certificatePem: the CA certificate ${subjectOf(ca)} expires on ${notAfter.toISOString()}, before the leaves it signs now would (pki.validityHours ${options.validityHours} ends ${leavesEnd.toISOString()}); ` +
                `set pki.validityHours to at most ${hours}, or bring a CA that is valid longer`);
        }
    }
    // The rest of the bundle: each certificate issued the one before it.
    for (let i = 1; i < chain.length; i++) {
        if (!chain[i - 1].checkIssued(chain[i]) || !chain[i - 1].verify(chain[i].publicKey)) {
            problems.push(`${key}.certificatePem: certificate ${i + 1} of the bundle (${subjectOf(chain[i])}) did not issue certificate ${i} (${subjectOf(chain[i - 1])}); order the bundle: the CA that signs first, then each issuer`);
            break;
        }
    }
    return problems;
}

/** What a brought CA needs besides its checks: a word for a chain that does not end at a root. */
export function caMaterialWarnings(certificatePem: string, key = "pki.bringYourOwnCa"): string[] {
    const chain = pemCertificates(certificatePem).map(parse).filter((c): c is X509Certificate => !!c);
    const last = chain[chain.length - 1];
    if (!last || selfSigned(last)) return [];
    return [`${key}.certificatePem: ends at ${subjectOf(last)}, which is not a root (self-signed); the gateways serve this chain, but clients must trust the root that issued it: append the root certificate to ${key}.certificatePem so that caCertificatePem and caTrustBundle hold it`];
}

/**
 * How a brought CA is used: the certificates a gateway sends after its leaf (every CA of the
 * bundle but a root, which clients hold already), and what clients must trust (the root when the
 * bundle holds one, else the bundle).
 */
export function caChain(certificatePem: string): { intermediates: string[]; trust: string } {
    const blocks = pemCertificates(certificatePem);
    const parsed = blocks.map(parse);
    const intermediates = blocks.filter((_, i) => parsed[i] && !selfSigned(parsed[i]!));
    const root = blocks.find((_, i) => parsed[i] && selfSigned(parsed[i]!));
    return { intermediates, trust: root ?? blocks.join("") };
}

/** When a certificate ends, read from its PEM; undefined when it cannot be read (e.g. under mocks). */
export function certificateExpiry(pem: string): Date | undefined {
    const cert = parse(pemCertificates(pem)[0] ?? "");
    return cert ? new Date(cert.validTo) : undefined;
}

/** Days from `now` to `date`, rounded down. */
const daysUntil = (date: Date, now: Date) => Math.floor((date.getTime() - now.getTime()) / 86_400_000);

/** How long before its end a CA gets a warning: time to rotate it without breaking clients. */
export const CA_WARNING_DAYS = 90;

/**
 * Warnings for certificates close to their end: a leaf inside its renewal window (the next
 * `pulumi up` renews it: run one), a CA within {@link CA_WARNING_DAYS} days (start a rotation).
 */
export function expiryWarnings(certs: { what: string; pem: string; ca: boolean; renewalHours?: number; fix: string }[], now = new Date()): string[] {
    const warnings: string[] = [];
    for (const c of certs) {
        const end = certificateExpiry(c.pem);
        if (!end) continue;
        const left = end.getTime() - now.getTime();
        const window = c.ca ? CA_WARNING_DAYS * 86_400_000 : (c.renewalHours ?? 0) * 3_600_000;
        if (left <= 0) {
            warnings.push(`${c.what} expired on ${end.toISOString()}; ${c.fix}`);
        } else if (left <= window) {
            warnings.push(`${c.what} expires on ${end.toISOString()} (in ${daysUntil(end, now)} days); ${c.fix}`);
        }
    }
    return warnings;
}
