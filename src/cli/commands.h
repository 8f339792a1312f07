/*
 * src/cli/commands.h - the subcommands of the vigie tool.
 *
 * Each command lives in its own cmd_<name>.c and receives argv with
 * argv[0] set to the command's name. Exit codes shared by every command:
 */
#ifndef VIGIE_CLI_COMMANDS_H
#define VIGIE_CLI_COMMANDS_H

#define VG_EXIT_OK 0      /* everything was processed */
#define VG_EXIT_PARTIAL 1 /* the run went on, but some inputs failed */
#define VG_EXIT_USAGE 2   /* bad command line, or nothing could be done */

typedef struct vg_command {
    const char *name;
    const char *summary;
    int (*run)(int argc, char **argv);
} vg_command;

int cmd_hash(int argc, char **argv);
int cmd_index(int argc, char **argv);
int cmd_bank(int argc, char **argv);
int cmd_match(int argc, char **argv);
int cmd_scan(int argc, char **argv);
int cmd_lookup(int argc, char **argv);
int cmd_referral(int argc, char **argv);
int cmd_serve(int argc, char **argv);
int cmd_admin(int argc, char **argv);
int cmd_audit(int argc, char **argv);
int cmd_stats(int argc, char **argv);
int cmd_migrate(int argc, char **argv);
int cmd_bank_files(int argc, char **argv); /* vigie bank from-files */
int cmd_blocklist(int argc, char **argv);
int cmd_transparency(int argc, char **argv);

#endif
