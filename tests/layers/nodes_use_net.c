/* A node's file including a header of a layer the nodes link (net): compiles. The control of
 * nodes_use_run.c; built by the test layers_build only. */
#include "network.h"

int layers_nodes_use_net(const net *n);
int layers_nodes_use_net(const net *n) { return n != NULL; }
