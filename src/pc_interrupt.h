/*
 * pc_interrupt: Ctrl-C for interactive hosts (the REPL, the CLI), opt-in.
 *
 * core.catch_interrupts(true) installs a SIGINT handler that sets a flag
 * and a stop hook: every transfer checks the flag from libcurl's progress
 * callback and stops within a poll (an `interrupted` error), every wait
 * between attempts stops too, and then the Lua code of the thread that
 * asked raises "interrupted" at its next instruction (as the interpreter
 * does for scripts), so the whole statement under way stops; a Ctrl-C that
 * lands in a hook or trace function stops the exchange too.
 * core.catch_interrupts(false) puts the previous handler back, and so does
 * closing the Lua state that asked. That thread is kept alive (a registry
 * reference) while catching. This is process-wide state by nature (signals are), so it
 * is never on unless a host asks; scripts keep the interpreter's own
 * SIGINT handling.
 */
#ifndef PC_INTERRUPT_H
#define PC_INTERRUPT_H

#include <lua.h>

/* Whether a SIGINT arrived while catching and was not consumed yet. */
int pc_interrupt_pending(void);

/* Consumes a pending SIGINT after an exchange reported it as an
 * `interrupted` error (the stop hook still raises in the Lua code after it). */
void pc_interrupt_clear(void);

/* How many times the stop hook has raised so far: a protected call (a hook,
 * the trace) compares it before and after to tell a Ctrl-C from an error. */
unsigned pc_interrupt_stops(void);

/* Puts back an interrupt that the stop hook raised inside a protected call
 * (which swallowed it): the flag again, and the hook on the thread that
 * asked, so that the exchange and then the statement still stop. */
void pc_interrupt_reraise(void);

/* Whether the handler is installed (transfers then watch the flag). */
int pc_interrupt_catching(void);

/* [-0, +0, m] Sets catch_interrupts in the module table on top. */
void pc_interrupt_register(lua_State *L);

#endif
