"""Write the inbox's offer chime (agent_ui/static/sounds/offer.wav): two short sine tones,
8 kHz mono 8-bit, about 4 KB. Run again only to change the sound; the file is committed."""

from __future__ import annotations

import math
import struct
import sys
import wave
from pathlib import Path

RATE = 8000
TONES = ((880.0, 0.16), (1320.0, 0.22))  # hertz, seconds
TARGET = Path(__file__).parents[1] / "agent_ui" / "static" / "sounds" / "offer.wav"


def samples() -> bytes:
    out = bytearray()
    for frequency, seconds in TONES:
        count = int(RATE * seconds)
        for n in range(count):
            fade = min(1.0, n / 200, (count - n) / 400)  # no clicks at the edges
            value = math.sin(2 * math.pi * frequency * n / RATE) * 0.6 * fade
            out += struct.pack("B", int(128 + 127 * value))
    return bytes(out)


def main(target: Path = TARGET) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    with wave.open(str(target), "wb") as wav:
        wav.setnchannels(1)
        wav.setsampwidth(1)
        wav.setframerate(RATE)
        wav.writeframes(samples())
    print(f"wrote {target} ({target.stat().st_size} bytes)")


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else TARGET)
