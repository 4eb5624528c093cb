/** The one part of node-rtsp-stream nattsyn uses (the package ships no types). */
declare module 'node-rtsp-stream/mpeg1muxer.js' {
  import type { ChildProcess } from 'node:child_process';

  interface Mpeg1Muxer {
    stream: ChildProcess;
    on(event: 'mpeg1data' | 'ffmpegStderr', listener: (chunk: Buffer) => void): this;
    on(event: 'exitWithError', listener: () => void): this;
  }
  const Mpeg1Muxer: new (options: {
    url: string;
    ffmpegPath: string;
    ffmpegOptions: Record<string, string>;
  }) => Mpeg1Muxer;
  export default Mpeg1Muxer;
}
