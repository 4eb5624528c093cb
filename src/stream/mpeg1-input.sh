#!/bin/sh
# ffmpeg as node-rtsp-stream's Mpeg1Muxer runs it for the MPEG-1 fallback (mpeg1Encoder.ts). The
# muxer builds `-i <url> -f mpegts -codec:v mpeg1video <options> -` and can pass only output
# options; these are the input options it cannot: the camera's raw H.264 arrives on stdin, so the
# format is known, and ffmpeg's default probe would hold the first picture back about 5 s
# (analyzeduration; 0 would mean the default, and `-fflags nobuffer` measured slower here, ~2.5 s
# against ~0.5 s). Logging stays at errors, no progress lines. Nothing here writes a file.
exec ffmpeg -hide_banner -loglevel error -nostats -nostdin \
  -probesize 32 -analyzeduration 1 -fpsprobesize 0 -f h264 "$@"
