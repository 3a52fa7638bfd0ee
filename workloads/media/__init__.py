"""Media workloads: pre-encoded clips, packet-loop tracks, non-decoding receivers (issue 4).

Modules, one concept each:

- `synthetic`  moving test picture and test tone (numpy), the raw source of every clip
- `clips`      constant-bitrate clips generated once with PyAV and cached on disk
- `packets`    a clip demuxed into one in-memory packet list shared by every sender
- `tracks`     packet-loop tracks: pre-encoded packets, steady pacing, running timestamps
- `encoded`    aiortc receive path that hands over encoded frames instead of decoding them
- `records`    frozen record types (units in field names) and the pure rate arithmetic
- `receiver`   per-stream counters and the per-second sampler of aiortc stats
- `judge`      achieved-vs-target verdicts (under target, loss)
- `sink`       JSONL record writer, flushed every second
- `netaddr`    keeps ICE host candidates on the addresses a test owns
- `signalling` the small HTTP offer/answer client of the embedded SFU
- `peers`      publish/subscribe peer connections used by the media driver
"""
