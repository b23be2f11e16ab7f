# layers/build.cmake: builds the two probes of tests/CMakeLists.txt (layers_build) in BUILD_DIR.
# nodes_use_net must build; nodes_use_run must fail, and fail on scenario.h, not elsewhere.
foreach(probe nodes_use_net nodes_use_run)
  execute_process(COMMAND ${CMAKE_COMMAND} --build ${BUILD_DIR} --target layers_${probe}
                  RESULT_VARIABLE status_${probe} OUTPUT_VARIABLE out_${probe}
                  ERROR_VARIABLE out_${probe})
endforeach()
if(NOT status_nodes_use_net EQUAL 0)
  message(FATAL_ERROR "a node's file including network.h did not build:\n${out_nodes_use_net}")
endif()
if(status_nodes_use_run EQUAL 0)
  message(FATAL_ERROR "a node's file including scenario.h built: the nodes see the run layer")
endif()
if(NOT out_nodes_use_run MATCHES "scenario\\.h")
  message(FATAL_ERROR "a node's file including scenario.h failed, not on scenario.h:\n"
          "${out_nodes_use_run}")
endif()
message(STATUS "layers_build: nodes_use_net builds, nodes_use_run fails on scenario.h")
