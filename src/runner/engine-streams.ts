/**
 * The engine's two kinds of byte stream, read without dockerode: the build's
 * newline-delimited JSON and a container log's multiplexed frames.
 */
import type { BuildEvent } from './engine.js';

/** Splits the engine's multiplexed log stream (8-byte frame headers) into text; a TTY container's log has no frames. */
export function demuxLogs(data: Buffer): string {
  const framed = data.length >= 8 && data[0]! <= 2 && data[1] === 0 && data[2] === 0 && data[3] === 0;
  if (!framed) return data.toString('utf8');
  const parts: Buffer[] = [];
  let offset = 0;
  while (offset + 8 <= data.length) {
    const size = data.readUInt32BE(offset + 4);
    parts.push(data.subarray(offset + 8, offset + 8 + size));
    offset += 8 + size;
  }
  return Buffer.concat(parts).toString('utf8');
}

/** Reads newline-delimited JSON from the build stream, tolerant of lines split across chunks. */
export function readEvents(stream: NodeJS.ReadableStream, onEvent: (event: BuildEvent) => void): Promise<void> {
  return new Promise((resolve, reject) => {
    let buffered = '';
    const emit = (line: string) => {
      if (!line.trim()) return;
      try {
        onEvent(JSON.parse(line) as BuildEvent);
      } catch {
        onEvent({ stream: `${line}\n` });
      }
    };
    stream.on('data', (chunk: Buffer) => {
      buffered += chunk.toString('utf8');
      const lines = buffered.split('\n');
      buffered = lines.pop() ?? '';
      lines.forEach(emit);
    });
    stream.on('end', () => {
      emit(buffered);
      resolve();
    });
    stream.on('error', reject);
    stream.on('close', () => resolve());
  });
}
