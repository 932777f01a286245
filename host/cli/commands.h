/* host/cli/commands.h - the subcommands of `alexnet`, each in its own cmd_<name>.c. */
#ifndef AN_CLI_COMMANDS_H
#define AN_CLI_COMMANDS_H

int cmd_devices(int argc, char **argv);
int cmd_selfcheck(int argc, char **argv);
int cmd_bench_gemm(int argc, char **argv);
int cmd_prepare(int argc, char **argv);
int cmd_bench_data(int argc, char **argv);
int cmd_summary(int argc, char **argv);
int cmd_eval(int argc, char **argv);
int cmd_classify(int argc, char **argv);
int cmd_bench(int argc, char **argv);
int cmd_tune(int argc, char **argv);

int cmd_train(int argc, char **argv);
int cmd_filters(int argc, char **argv);
int cmd_features(int argc, char **argv);

#endif
