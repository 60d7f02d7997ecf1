// Secrets written in the stack file as plain text rather than with `pulumi config set --secret`:
// the program cannot refuse them (the value is fine), but it says how to encrypt them.

/**
 * The top-level keys of this project that hold an encrypted value, as the CLI tells the program
 * (PULUMI_CONFIG_SECRET_KEYS; a key holding an object counts when any value in it is encrypted).
 * Undefined when the CLI says nothing, so that nothing is claimed.
 */
export function encryptedConfigKeys(project: string, env: NodeJS.ProcessEnv = process.env): ((topLevelKey: string) => boolean) | undefined {
    const text = env.PULUMI_CONFIG_SECRET_KEYS;
    if (!text) return undefined;
    let keys: unknown;
    try {
        keys = JSON.parse(text);
    } catch {
        return undefined;
    }
    if (!Array.isArray(keys)) return undefined;
    return (key) => keys.includes(`${project}:${key}`);
}

/** Linux's longest TCP MD5 key (TCP_MD5SIG_MAXKEYLEN), the longest BGP password FRR can set. */
export const MAX_BGP_PASSWORD_LENGTH = 80;

/**
 * What deserves a word about the secrets of the stack config (values never printed): one written
 * in the stack file as plain text, with the command that encrypts it (`isSecret` tells whether a
 * top-level key holds an encrypted value; undefined: unknown, nothing said); a BGP password FRR
 * cannot use, which MetalLB accepts and the session then never comes up with.
 */
export function stackSecretWarnings(raw: Record<string, any>, isSecret: ((topLevelKey: string) => boolean) | undefined): string[] {
    const warnings: string[] = [];
    const peers: any[] = Array.isArray(raw.metallb?.bgp?.peers) ? raw.metallb.bgp.peers : [];
    peers.forEach((p, i) => {
        const password = p?.password;
        if (typeof password !== "string") return;
        const key = `metallb.bgp.peers[${i}].password`;
        if (isSecret && !isSecret("metallb")) {
            warnings.push(`${key} is plain text in the stack file; encrypt it: pulumi config set --secret --path '${key}' <password>`);
        }
        if (password.length > MAX_BGP_PASSWORD_LENGTH) {
            warnings.push(`${key}: ${password.length} characters, and a BGP (TCP MD5) password has at most ${MAX_BGP_PASSWORD_LENGTH}: MetalLB takes it, FRR leaves it out, and the session never comes up; use a shorter one (on the router too)`);
        }
        if (/[\r\n]/.test(password)) {
            warnings.push(`${key}: holds a line break, which ends FRR's password line early: the session never comes up; remove it (a value read from a file often ends in one)`);
        }
    });
    if (raw.pki?.bringYourOwnCa?.privateKeyPem !== undefined && isSecret && !isSecret("pki")) {
        warnings.push("pki.bringYourOwnCa.privateKeyPem is plain text in the stack file; encrypt it: pulumi config set --secret --path 'pki.bringYourOwnCa.privateKeyPem' \"$(cat ca.key)\"");
    }
    return warnings;
}
