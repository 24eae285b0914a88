/*
 * Client-side commands of the actord binary, which talk to a running
 * server over HTTP with libcurl.
 */
#ifndef ACTORD_CLI_CLI_H
#define ACTORD_CLI_CLI_H

/* actord push DIR: argv[0] is "push". Returns the process exit code. */
int cli_push(int argc, char **argv);

#endif
