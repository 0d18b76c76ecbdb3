/*
 * kmain.c - the shared kernel: bring up the consoles, read the command line,
 * let the back end build its tables, then run the chosen scenario.
 *
 * Every path ends in kernel_finish() with a result line: a fault screen, the
 * scenario menu, or a message about bad input. The kernel never halts
 * without saying why. With no scenario on the command line, the menu
 * (kernel/menu_screen.c) lets the keyboard pick one, and the boot goes on
 * exactly as if the command line had named it.
 */
#include "arch.h"
#include "console.h"
#include "format.h"
#include "kmain.h"
#include "menu_screen.h"
#include "multiboot.h"
#include "scenarios.h"
#include "stacks.h"
#include "drivers/pic/pic.h"

/* Exit devices. QEMU: -device isa-debug-exit,iobase=0xf4 makes QEMU exit
 * with status (value << 1) | 1. Bochs: the string "Shutdown" written to port
 * 0x8900 ends the simulation. Writes to either port are ignored elsewhere. */
#define QEMU_DEBUG_EXIT_PORT 0xF4
#define BOCHS_SHUTDOWN_PORT  0x8900

struct kconfig kernel_config;
static char cmdline[CMDLINE_MAX];

static void emulator_exit(int code)
{
	arch_outb(QEMU_DEBUG_EXIT_PORT, (uint8_t)code);
	for (const char *s = "Shutdown"; *s != '\0'; s++)
		arch_outb(BOCHS_SHUTDOWN_PORT, (uint8_t)*s);
}

void startup_step(const char *name)
{
	console_printf(" %s", name);
	console_flush();
}

void kernel_result_line(const char *result_line)
{
	console_attr(ATTR_DIM);
	console_write(result_line);   /* whole, however long: tools parse it */
	console_write("\n");
	console_attr(ATTR_TEXT);
	console_flush();
}

void kernel_finish(const char *result_line, int exit_code)
{
	kernel_result_line(result_line);
	if (kernel_config.exit_when_done)
		emulator_exit(exit_code);
	if (menu_ran_scenario())
		menu_return();
	arch_halt();
}

/* Copy the command line out of the loader's memory before paging changes.
 * Returns false when it did not fit. */
static bool save_cmdline(uintptr_t mbi_addr)
{
	const struct multiboot_info *mbi = (const struct multiboot_info *)mbi_addr;
	const char *src;
	size_t i = 0;

	cmdline[0] = '\0';
	if (mbi == 0 || !(mbi->flags & MULTIBOOT_INFO_CMDLINE) || mbi->cmdline == 0)
		return true;
	src = (const char *)(uintptr_t)mbi->cmdline;
	while (i < CMDLINE_MAX - 1 && src[i] != '\0') {
		cmdline[i] = src[i];
		i++;
	}
	cmdline[i] = '\0';
	return src[i] == '\0';
}

/* What start-up left for the CPU, read back from the hardware's tables: the
 * #DF path (arch_describe_setup) and whether each stack's guard page is
 * unmapped. When a lab's code is wrong these lines say how, even when the
 * scenario then ends in a triple fault that leaves no screen. */
static void show_setup(void)
{
	char line[160];
	size_t len;

	arch_describe_setup(line, sizeof line);
	console_printf("faultline %s: %s\n", ARCH_NAME, line);
	len = fmt_snprintf(line, sizeof line, "guard pages:");
	for (int i = 0; i < STACK_USER; i++)
		len += fmt_snprintf(line + len, sizeof line - len, " %s 0x%lx %s",
		                    stack_regions[i].name, (unsigned long)stack_regions[i].guard,
		                    arch_page_present(stack_regions[i].guard)
		                    ? "MAPPED" : "unmapped");
	console_printf("faultline %s: %s\n", ARCH_NAME, line);
	/* The user stack's, on a line of its own (80 columns), when it is used. */
	for (int i = STACK_USER; i < stacks_shown(scenario_in_ring3(kernel_config.scenario)); i++)
		console_printf("faultline %s: guard pages: %s 0x%lx %s\n", ARCH_NAME,
		               stack_regions[i].name, (unsigned long)stack_regions[i].guard,
		               arch_page_present(stack_regions[i].guard) ? "MAPPED" : "unmapped");
}

static void show_options(void)
{
	console_printf("  handlers=all|df|none   which IDT gates exist (default all)\n");
	console_printf("  %-22s #DF on a safe stack (default) or on the faulting one\n",
	               "df=safe|" ARCH_DF_SAFE_NAME "|stack");
	console_printf("  exit=on                leave the emulator after the report\n");
	console_printf("  break=on               Bochs: stop in the debugger just before"
	               " the fault\n");
}

static void show_bad_cmdline(const char *err)
{
	char line[CMDLINE_ERR_MAX + 64];

	console_banner(ATTR_ALERT, " faultline %s: bad kernel command line", ARCH_NAME);
	console_write("\ncommand line: ");
	console_wrapped(cmdline_arguments(cmdline), 14);
	console_attr(ATTR_ERROR);
	console_write("\nerror: ");
	console_wrapped(err, 7);
	console_attr(ATTR_TEXT);
	console_printf("\nBoot with no scenario for the list of scenarios. Options:\n");
	show_options();
	console_printf("Nothing was run; no fault was raised.\n");
	fmt_snprintf(line, sizeof line,
	             "FAULTLINE-RESULT outcome=error arch=%s reason=\"%s\"", ARCH_NAME, err);
	kernel_finish(line, EXIT_BAD_INPUT);
}

static void show_not_multiboot(uint32_t magic)
{
	console_banner(ATTR_ALERT, " faultline %s: not started by a multiboot loader",
	               ARCH_NAME);
	console_printf("\nEAX held 0x%08x, not the multiboot magic 0x%08x.\n"
	               "Boot this kernel with GRUB (make run) or qemu -kernel.\n\n",
	               magic, MULTIBOOT_BOOTLOADER_MAGIC);
	kernel_finish("FAULTLINE-RESULT outcome=error arch=" ARCH_NAME
	              " reason=no_multiboot_magic", EXIT_BAD_INPUT);
}

void kmain(uint32_t magic, uintptr_t multiboot_info)
{
	char err[CMDLINE_ERR_MAX];

	console_init();
	stacks_init(ARCH_DF_STACK_NAME);
	if (magic != MULTIBOOT_BOOTLOADER_MAGIC)
		show_not_multiboot(magic);
	if (!save_cmdline(multiboot_info)) {
		fmt_snprintf(err, sizeof err, "the command line is longer than %d characters",
		             CMDLINE_MAX - 1);
		show_bad_cmdline(err);
	}
	if (!cmdline_parse(cmdline, ARCH_NAME, ARCH_DF_SAFE_NAME, &kernel_config,
	                   err, sizeof err))
		show_bad_cmdline(err);
	if (kernel_config.scenario == SCENARIO_NONE)
		menu_choose(&kernel_config);     /* returns with a scenario picked */

	/* One line, a word per step, flushed as it goes: when a step kills the
	 * kernel (a triple fault, or a hypervisor that gives up), the last word
	 * on COM1 names it, and tools tell a kernel that broke while starting
	 * up from a scenario that faulted (tools/faultline_scenarios.py). */
	/* Move IRQs 0-15 off the exception vectors, where the BIOS left IRQ 0-7
	 * (vectors 8-15: the timer would look like #DF), and mask them all:
	 * faultline runs with interrupts off (drivers/pic/pic.c). */
	pic_init(PIC_KERNEL_BASE, PIC_KERNEL_BASE + 8);
	console_printf("faultline %s: start-up:", ARCH_NAME);
	arch_init(&kernel_config);
	console_printf(" ok\n");
	show_setup();
	console_printf("faultline %s: scenario=%s handlers=%s df=%s: running\n",
	               ARCH_NAME, scenario_name(kernel_config.scenario),
	               handlers_name(kernel_config.handlers),
	               df_mode_name(kernel_config.df));
	scenario_run(kernel_config.scenario);
	console_printf("The scenario returned without faulting.\n");
	kernel_finish("FAULTLINE-RESULT outcome=no_fault arch=" ARCH_NAME
	              " reason=scenario_returned", EXIT_NO_FAULT);
}
