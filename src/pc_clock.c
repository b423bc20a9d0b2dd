/* pc_clock.c: clocks and sleeping; see pc_clock.h. */
#include "pc_clock.h"

#include <errno.h>
#include <time.h>

#include "pc_interrupt.h"

double pc_now_monotonic(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

double pc_now_wall(void) {
  struct timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int pc_sleep(double seconds) {
  struct timespec ts;
  if (pc_interrupt_pending()) return 0;
  if (!(seconds > 0)) return 1; /* also NaN */
  if (seconds > PC_SLEEP_MAX) seconds = PC_SLEEP_MAX;
  ts.tv_sec = (time_t)seconds;
  ts.tv_nsec = (long)((seconds - (double)ts.tv_sec) * 1e9);
  if (ts.tv_nsec > 999999999L) ts.tv_nsec = 999999999L;
  if (nanosleep(&ts, NULL) == -1 && errno == EINTR) return 0;
  return 1;
}

uint64_t pc_rng_seed(const void *salt) {
  uint64_t s = (uint64_t)(uintptr_t)salt ^ (uint64_t)(pc_now_monotonic() * 1e9) ^
               ((uint64_t)(pc_now_wall() * 1e6) << 17);
  return s ? s : 1;
}
