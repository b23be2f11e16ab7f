/* A node's file including a header of the layer above the nodes (run): does not compile, because
 * the nodes' library does not link the run's and scenario.h is not on its include path. Built
 * by the test layers_build only. */
#include "scenario.h"

int layers_nodes_use_run(const run_result *r);
int layers_nodes_use_run(const run_result *r) { return r != NULL; }
