/* The share guest's measure (guests/share_measure.inc), shared with the
   tests that set its cell's budget (tests/in-system/shares.cpp, the watch
   cell of tests/boot/systems/linux-two.toml). Plain C
   preprocessor only. Times are TSC ticks, the guest's only clock. */
#ifndef SEPTUM_GUESTS_SHARE_H
#define SEPTUM_GUESTS_SHARE_H

/* One window: the length the test makes its cell's period (2^19 TSC
   ticks, about 10 ms in Bochs at 50 million instructions a second). */
#define SHARE_WINDOW_SHIFT 19
/* The guest measures 2^5 = 32 windows, back to back, from its start. */
#define SHARE_WINDOWS_SHIFT 5
/* Two RDTSCs further apart than this mean the guest was off the CPU in
   between; closer ones, that it ran (its own exits round trips, about a
   thousand ticks, count as its time: its cell's budget pays for them). */
#define SHARE_GAP_TICKS 8192
/* The debug-exit code with which it stops. */
#define SHARE_EXIT_CODE 0x15

/* The watch guest (guests/watch.S) measures rounds of 2^7 = 128 windows,
   1.3 s of Bochs' time each, and stops with this code when it gets input. */
#define WATCH_ROUND_SHIFT 7
#define WATCH_EXIT_CODE 0x16

#endif
