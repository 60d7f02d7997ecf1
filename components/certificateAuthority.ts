import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import * as tls from "@pulumi/tls";
import { ConfigError } from "../config/errors";
import { caChain, caMaterialProblems, caMaterialWarnings, expiryWarnings, pemCertificates } from "../model/ca";
import { PACKAGE } from "../model/names";
import { plainConfigError } from "./deferred";
import type { KeyAlgorithm } from "../model/types";

/** A leaf certificate to issue and the Kubernetes TLS secret to store it in. */
export interface LeafCertificateSpec {
    /** Unique id among the leaves, never "ca"; names the Pulumi resources. */
    id: string;
    /** DNS names; the first is the common name, all are SANs. */
    hosts: string[];
    /** Name of the `kubernetes.io/tls` secret, referred to by a Gateway's `credentialName`. */
    secretName: string;
    /** Namespace of the secret: the namespace of the gateway pods that serve it. */
    secretNamespace: pulumi.Input<string>;
}

/** An existing CA to sign with instead of generating one. */
export interface ExistingCa {
    /** The CA certificate, PEM. */
    certificatePem: pulumi.Input<string>;
    /** The CA private key, PEM; pass a secret (it is made one in any case). */
    privateKeyPem: pulumi.Input<string>;
}

/** Inputs of {@link CertificateAuthority}. */
export interface CertificateAuthorityArgs {
    /** Common name of the generated CA certificate (generation N ≥ 2 is "<commonName> G<N>"). */
    commonName: string;
    /** Lifetime of the generated CA certificate, in hours. */
    caValidityHours: number;
    /** Lifetime of each leaf certificate, in hours. */
    validityHours: number;
    /** A `pulumi up` within this many hours of a leaf's expiry re-issues it. */
    earlyRenewalHours: number;
    /** Key algorithm of the generated CA and of every leaf. */
    keyAlgorithm: KeyAlgorithm;
    /** Leaves to issue. */
    certificates: LeafCertificateSpec[];
    /**
     * Protect the CA key and certificate: Pulumi then refuses to delete or replace them, so a
     * refactor cannot silently swap the CA that every client trusts. During a rotation the
     * generations older than the signing one are not protected, so that they can be retired.
     */
    protect?: boolean;
    /**
     * The generated CA's generations: `active` signs the leaves, `trusted` (which holds it) exist
     * and make up {@link CertificateAuthority.trustBundle}. Default: generation 1 alone.
     */
    generations?: { active: number; trusted: number[] };
    /** Sign with this CA instead of generating one. */
    bringYourOwnCa?: ExistingCa;
    /** Resources the secrets must wait for (their namespaces). */
    secretDependencies?: pulumi.Resource[];
}

/** An issued leaf and the secret holding it. */
export interface IssuedCertificate {
    spec: LeafCertificateSpec;
    certificatePem: pulumi.Output<string>;
    /** Secret output: never exported in plain text. */
    privateKeyPem: pulumi.Output<string>;
    secret: k8s.core.v1.Secret;
}

function keyArgs(algorithm: KeyAlgorithm): tls.PrivateKeyArgs {
    const [family, size] = algorithm.split("-");
    return family === "RSA" ? { algorithm: "RSA", rsaBits: Number(size) } : { algorithm: "ECDSA", ecdsaCurve: size };
}

/**
 * Resource name stem of a CA generation: generation 1 keeps the name the first CA always had;
 * later ones carry their number after a dot, which no leaf id can contain (leaf ids are made of
 * gateway names and host slugs), so a rotation can never take a leaf's name.
 */
export function caGenerationStem(name: string, generation: number): string {
    return generation === 1 ? `${name}-ca` : `${name}-ca.${generation}`;
}

/**
 * A private CA (generated: key + self-signed certificate, one per generation during a rotation;
 * or brought by the user) and leaf certificates signed by it, each stored in a
 * `kubernetes.io/tls` secret with the chain a client needs.
 */
export class CertificateAuthority extends pulumi.ComponentResource {
    /** The certificate of the CA that signs the leaves (public); with a brought chain, its root. */
    readonly certificatePem: pulumi.Output<string>;
    /** Every CA certificate clients should trust (PEM): the signing CA, and during a rotation the other generation too. */
    readonly trustBundle: pulumi.Output<string>;
    readonly certificates: IssuedCertificate[];

    constructor(name: string, args: CertificateAuthorityArgs, opts?: pulumi.ComponentResourceOptions) {
        super(`${PACKAGE}:pki:CertificateAuthority`, name, {}, opts);

        const generations = args.generations ?? { active: 1, trusted: [1] };
        const reserved = new Set(["ca", ...generations.trusted.filter((g) => g > 1).map((g) => `ca.${g}`)]);
        const ids = args.certificates.map((c) => c.id);
        const clash = ids.find((id, i) => reserved.has(id) || ids.indexOf(id) !== i);
        if (clash !== undefined) {
            throw new ConfigError([`certificates: id ${JSON.stringify(clash)} is ${reserved.has(clash) ? "a CA's own" : "used twice"}; give each leaf a unique id other than "ca" and "ca.<generation>"`], `args of CertificateAuthority ${name}`);
        }
        if (!generations.trusted.includes(generations.active)) {
            throw new ConfigError([`generations: trusted ${JSON.stringify(generations.trusted)} does not hold the active generation ${generations.active}`], `args of CertificateAuthority ${name}`);
        }

        let caCertPem: pulumi.Output<string>;
        let caKeyPem: pulumi.Output<string>;
        /** What a gateway serves after its leaf: the intermediates of a brought chain. */
        let intermediates: pulumi.Output<string[]>;
        const expiring: { what: string; pem: pulumi.Output<string>; ca: boolean; renewalHours?: number; fix: string }[] = [];
        if (args.bringYourOwnCa) {
            const material = pulumi.all([args.bringYourOwnCa.certificatePem, args.bringYourOwnCa.privateKeyPem]).apply(([cert, key]) => {
                const problems = caMaterialProblems(cert, key, { validityHours: args.validityHours });
                if (problems.length > 0) throw plainConfigError(problems, `CA of ${name}`);
                for (const warning of caMaterialWarnings(cert)) pulumi.log.warn(warning, this);
                return { cert, key };
            });
            const chain = material.apply((m) => caChain(m.cert));
            // The leaves are signed by the first certificate of the bundle: the CA whose key this is.
            caCertPem = material.apply((m) => pemCertificates(m.cert)[0]);
            caKeyPem = pulumi.secret(material.apply((m) => m.key));
            intermediates = chain.apply((c) => c.intermediates);
            this.certificatePem = chain.apply((c) => c.trust);
            this.trustBundle = this.certificatePem;
            expiring.push({ what: "the CA you brought (pki.bringYourOwnCa)", pem: caCertPem, ca: true, fix: "bring its successor into pki.bringYourOwnCa, and give clients the new root first" });
        } else {
            const cas = new Map(generations.trusted.map((generation) => {
                // Older generations than the signing one are being retired: they may go.
                const caOpts = { parent: this, protect: (args.protect ?? false) && generation >= generations.active };
                const stem = caGenerationStem(name, generation);
                const caKey = new tls.PrivateKey(`${stem}-key`, keyArgs(args.keyAlgorithm), caOpts);
                // No early renewal for a CA: replacing it would break every client that trusts it.
                const caCert = new tls.SelfSignedCert(`${stem}-cert`, {
                    privateKeyPem: caKey.privateKeyPem,
                    isCaCertificate: true,
                    subject: { commonName: generation === 1 ? args.commonName : `${args.commonName} G${generation}`, organization: PACKAGE },
                    validityPeriodHours: args.caValidityHours,
                    allowedUses: ["cert_signing", "crl_signing", "digital_signature"],
                    // Generation 1 keeps its inputs as they always were (a change would replace it).
                    ...(generation > 1 ? { setSubjectKeyId: true } : {}),
                }, caOpts);
                return [generation, { key: caKey, cert: caCert }];
            }));
            const active = cas.get(generations.active)!;
            caCertPem = active.cert.certPem;
            caKeyPem = active.key.privateKeyPem;
            intermediates = pulumi.output([]);
            this.certificatePem = caCertPem;
            // The signing CA first, then the others clients must keep trusting during the rotation.
            const order = [generations.active, ...generations.trusted.filter((g) => g !== generations.active)];
            this.trustBundle = pulumi.all(order.map((g) => cas.get(g)!.cert.certPem)).apply((pems) => pems.join(""));
            for (const g of generations.trusted) {
                expiring.push({
                    what: `CA generation ${g}`, pem: cas.get(g)!.cert.certPem, ca: true,
                    fix: g === generations.active
                        ? `rotate it before then (docs/operations.md#rotating-the-ca): first \`pulumi config set --path 'pki.trustedCaGenerations[1]' ${g + 1}\``
                        : "finish the rotation (docs/operations.md#rotating-the-ca)",
                });
            }
        }

        this.certificates = args.certificates.map((spec) => {
            const key = new tls.PrivateKey(`${name}-${spec.id}-key`, keyArgs(args.keyAlgorithm), { parent: this });
            const request = new tls.CertRequest(`${name}-${spec.id}-csr`, {
                privateKeyPem: key.privateKeyPem,
                subject: { commonName: spec.hosts[0], organization: PACKAGE },
                dnsNames: spec.hosts,
            }, { parent: this });
            const cert = new tls.LocallySignedCert(`${name}-${spec.id}-cert`, {
                certRequestPem: request.certRequestPem,
                caPrivateKeyPem: caKeyPem,
                caCertPem,
                validityPeriodHours: args.validityHours,
                earlyRenewalHours: args.earlyRenewalHours,
                allowedUses: ["digital_signature", "key_encipherment", "server_auth"],
            }, { parent: this });
            const privateKeyPem = pulumi.secret(key.privateKeyPem);
            // The leaf, then any intermediate of a brought CA: clients that trust the root can build the chain.
            // Without intermediates tls.crt is the leaf exactly as issued, as it always was.
            const served = pulumi.all([cert.certPem, intermediates]).apply(([leaf, chain]) => chain.length === 0 ? leaf
                : [leaf, ...chain].map((p) => (p.endsWith("\n") ? p : `${p}\n`)).join(""));
            const secret = new k8s.core.v1.Secret(`${name}-${spec.id}-secret`, {
                metadata: { name: spec.secretName, namespace: spec.secretNamespace },
                type: "kubernetes.io/tls",
                stringData: { "tls.crt": served, "tls.key": privateKeyPem },
            }, { parent: this, dependsOn: args.secretDependencies ?? [], additionalSecretOutputs: ["data", "stringData"] });
            expiring.push({
                what: `the certificate of ${spec.hosts.join(", ")} (${spec.secretName})`, pem: cert.certPem, ca: false, renewalHours: args.earlyRenewalHours,
                fix: "the next `pulumi up` issues a new one (its renewal window, pki.earlyRenewalHours, has begun): run it",
            });
            return { spec, certificatePem: cert.certPem, privateKeyPem, secret };
        });

        // Every preview and update says what is about to expire, while there is time to act.
        pulumi.all(expiring.map((e) => e.pem)).apply((pems) => {
            const now = new Date();
            for (const warning of expiryWarnings(expiring.map((e, i) => ({ ...e, pem: pems[i] })), now)) pulumi.log.warn(warning, this);
        });

        this.registerOutputs({ certificatePem: this.certificatePem, trustBundle: this.trustBundle });
    }
}
