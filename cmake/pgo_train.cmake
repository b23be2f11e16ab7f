# pgo_train.cmake: the training run of the profile-guided build (see CMakeLists.txt).
#
# cmake -DKAFKASIM=<instrumented kafkasim> -DSOURCE_DIR=<source tree> -DPROFILE_DIR=<dir>
#       -DSTAMP=<file> -P pgo_train.cmake
#
# Runs the instrumented kafkasim on what the profile should favour: the bench's reference
# scenario and sweep (the hot path of every sweep) and every lesson (faults, elections,
# truncation, the other paths). The profile starts empty each time, since gcc adds the counts
# of a run to those already in the files: the same sources give the same profile, and so the
# same binary. A lesson that finds an anomaly exits non-zero, which is what it is for; only a
# bench that fails stops the build.
foreach(var KAFKASIM SOURCE_DIR PROFILE_DIR STAMP)
  if(NOT DEFINED ${var})
    message(FATAL_ERROR "pgo_train.cmake: -D${var}=... is missing")
  endif()
endforeach()

file(REMOVE_RECURSE "${PROFILE_DIR}")
file(MAKE_DIRECTORY "${PROFILE_DIR}")
set(work "${PROFILE_DIR}/run")
file(MAKE_DIRECTORY "${work}")

execute_process(COMMAND "${KAFKASIM}" bench --reference --sweep --runs 300 --repeat 1
                WORKING_DIRECTORY "${work}" OUTPUT_QUIET RESULT_VARIABLE rc)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "pgo_train.cmake: ${KAFKASIM} bench failed (exit ${rc})")
endif()

# A run long enough for buffer.memory to pace the application, as in runs of 10^6 records and
# more (the bench's runs fit in it whole).
execute_process(COMMAND "${KAFKASIM}" run "${SOURCE_DIR}/experiments/bench-reference.properties"
                        workload.records=1000000 --no-check
                WORKING_DIRECTORY "${work}" OUTPUT_QUIET RESULT_VARIABLE rc)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "pgo_train.cmake: ${KAFKASIM} run of 10^6 records failed (exit ${rc})")
endif()

file(GLOB lessons "${SOURCE_DIR}/docs/lessons/*.properties")
list(SORT lessons)
foreach(lesson IN LISTS lessons)
  execute_process(COMMAND "${KAFKASIM}" run "${lesson}"
                  WORKING_DIRECTORY "${work}" OUTPUT_QUIET ERROR_QUIET)
endforeach()

file(REMOVE_RECURSE "${work}")
file(TOUCH "${STAMP}")
