/*
 * pc_clock: clocks, sleeping and the jitter generator's seed. Plain C: no
 * Lua, no allocation, no global state.
 */
#ifndef PC_CLOCK_H
#define PC_CLOCK_H

#include <stdint.h>

/* The longest sleep the core ever takes in one go, in seconds (a day): a
 * wait computed from server data or options is clamped to it first. */
#define PC_SLEEP_MAX 86400.0

/* Seconds on a monotonic clock. */
double pc_now_monotonic(void);

/* Seconds on the wall clock (for HTTP dates and JWT claims). */
double pc_now_wall(void);

/* Sleeps `seconds` (NaN and values <= 0: no sleep; clamped to
 * PC_SLEEP_MAX). A signal ends the sleep early: returns 0 when a signal
 * interrupted it, or a caught SIGINT is pending (see pc_interrupt.h), so
 * that the caller can give up and the interpreter's SIGINT handling gets
 * to run; 1 when it slept the whole time. */
int pc_sleep(double seconds);

/* Seeds a generator state from the clock and an address. */
uint64_t pc_rng_seed(const void *salt);

#endif
