"""Media workloads: pre-encoded clips, packet-loop tracks, non-decoding receivers (issue 4).

Modules, one concept each (docs/media.md has the whole picture):

- `synthetic`  moving test picture and test tone (numpy), the raw source of every clip
- `clips`      constant-bitrate clips generated once with PyAV and cached on disk
- `packets`    a clip demuxed into one in-memory packet list shared by every sender
- `tracks`     packet-loop tracks: pre-encoded packets, steady pacing, running timestamps
- `codecs`     negotiating exactly the clip's codec
- `encoded`    aiortc receive path that hands over encoded frames instead of decoding them
- `receiver`   per-stream frame counters and the receive side of aiortc's stats
- `sender`     the send side of aiortc's stats (and RTT)
- `records`    frozen record types (units in field names) and the pure rate arithmetic
- `judge`      achieved-vs-target verdicts (under target, loss)
- `looplag`    the event-loop lag probe, the generator's self-check
- `session`    the per-second sampler of every stream of a driver
- `sink`       JSONL record writer, flushed every second, and its reader
- `netaddr`    keeps ICE host candidates on the addresses a test owns
- `http_client` the one HTTP client of every signalling: JSON over one aiohttp session,
               `SignallingError` (the server side is `harness.backends.json_server`)
- `peers`      peer links (the one way to build them, with an ICE configuration) and
               publish/subscribe against the embedded SFU
- `janus_signalling`  the same peers through Janus' videoroom (HTTP API)
- `signalling` the driver's signalling choice: embedded SFU or Janus, one interface
- `turn`       relay-only ICE through our own TURN server
- `plan`       which peers and rooms a driver process simulates (pure)
- `direct`     SFU-less peers, for measuring the generator itself
"""
