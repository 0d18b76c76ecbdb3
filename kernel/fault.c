/*
 * fault.c - the pure half of fault reporting: notes, which stack a handler ran
 * on, and the machine-readable result line. No I/O, so the host unit tests
 * check the result line's exact format.
 */
#include <stdarg.h>
#include "exceptions.h"
#include "fault.h"
#include "format.h"
#include "stacks.h"

void fault_note(struct fault *f, const char *fmt, ...)
{
	va_list ap;

	if (f->note_count >= FAULT_MAX_NOTES)
		return;
	va_start(ap, fmt);
	fmt_vsnprintf(f->notes[f->note_count++], FAULT_NOTE_LEN, fmt, ap);
	va_end(ap);
}

const char *fault_stack_name(const struct fault *f)
{
	const struct stack_region *s = stack_containing(f->handler_sp);

	return s ? s->name : "unknown";
}

void fault_result_line(const struct fault *f, const struct kconfig *cfg,
                       char *buf, size_t size)
{
	if (f->is_irq) {       /* an interrupt: no mnemonic, no error code */
		fmt_snprintf(buf, size,
		             "FAULTLINE-RESULT outcome=caught arch=%s scenario=%s handlers=%s "
		             "df=%s vector=%u name=IRQ%u error_code=none stack=%s ip=0x%lx "
		             "sp=0x%lx handler_sp=0x%lx cr2=0x%lx flags=0x%lx",
		             ARCH_NAME, scenario_name(cfg->scenario),
		             handlers_name(cfg->handlers), df_mode_name(cfg->df), f->vector,
		             f->irq, fault_stack_name(f), (unsigned long)f->ip,
		             (unsigned long)f->sp, (unsigned long)f->handler_sp,
		             (unsigned long)f->cr2, (unsigned long)f->flags);
		return;
	}
	fmt_snprintf(buf, size,
	             "FAULTLINE-RESULT outcome=caught arch=%s scenario=%s handlers=%s "
	             "df=%s vector=%u name=%s error_code=0x%lx stack=%s ip=0x%lx "
	             "sp=0x%lx handler_sp=0x%lx cr2=0x%lx flags=0x%lx",
	             ARCH_NAME, scenario_name(cfg->scenario),
	             handlers_name(cfg->handlers), df_mode_name(cfg->df), f->vector,
	             exception_info(f->vector)->mnemonic,
	             (unsigned long)f->error_code, fault_stack_name(f),
	             (unsigned long)f->ip, (unsigned long)f->sp,
	             (unsigned long)f->handler_sp, (unsigned long)f->cr2,
	             (unsigned long)f->flags);
}
