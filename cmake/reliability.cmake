# Reliability tests (docs/reliability.md). Fuzz targets (tests/fuzz/fuzz_*.c) and their tests.
#
# With TPP_FUZZ=ON (clang only; the `fuzz` preset) the library is built with libFuzzer's
# coverage instrumentation and every target is a libFuzzer binary; CTest runs each for a short
# smoke time (TPP_FUZZ_SECONDS) on its seed corpus and replays its regression inputs. Without it
# (gcc, the default ASan+UBSan suite) the same targets are linked with tests/fuzz/replay.c and
# CTest replays the seed corpora and the regression inputs once.
option(TPP_FUZZ "Build the libFuzzer targets (clang)" OFF)
set(TPP_FUZZ_SECONDS 20 CACHE STRING "Seconds each fuzz target runs in the CTest smoke run")

if(TPP_FUZZ)
  if(NOT CMAKE_C_COMPILER_ID MATCHES "Clang")
    message(FATAL_ERROR "TPP_FUZZ needs clang (cmake --preset fuzz)")
  endif()
  target_compile_options(tpp_warnings INTERFACE -fsanitize=fuzzer-no-link)
endif()

if(BUILD_TESTING)
  set(TPP_FUZZ_DIR ${PROJECT_SOURCE_DIR}/tests/fuzz)
  foreach(target csv rules import xlsx attlog manifest proof)
    set(exe fuzz_${target})
    add_executable(${exe} ${TPP_FUZZ_DIR}/${exe}.c)
    target_include_directories(${exe} PRIVATE ${PROJECT_SOURCE_DIR})
    target_link_libraries(${exe} PRIVATE tpp tpp_warnings PkgConfig::YAML PkgConfig::XLSXWRITER
                          PkgConfig::SODIUM)
    set(seeds ${TPP_FUZZ_DIR}/corpus/${target})
    set(regressions ${TPP_FUZZ_DIR}/regressions/${target})
    if(TPP_FUZZ)
      target_link_options(${exe} PRIVATE -fsanitize=fuzzer)
      # New inputs go to a scratch corpus in the build tree (the first directory); the seeds in
      # the source tree are only read.
      set(scratch ${CMAKE_BINARY_DIR}/fuzz-corpus/${target})
      file(MAKE_DIRECTORY ${scratch})
      add_test(NAME fuzz.${target}.smoke
               COMMAND ${exe} -max_total_time=${TPP_FUZZ_SECONDS} -timeout=10 -rss_limit_mb=2048
                       -max_len=65536 -dict=${TPP_FUZZ_DIR}/${target}.dict -print_final_stats=1
                       ${scratch} ${seeds})
      add_test(NAME fuzz.${target}.regressions
               COMMAND ${exe} -runs=0 -timeout=10 ${regressions})
      set_tests_properties(fuzz.${target}.smoke PROPERTIES TIMEOUT 600)
      set(fuzz_tests fuzz.${target}.smoke fuzz.${target}.regressions)
    else()
      target_sources(${exe} PRIVATE ${TPP_FUZZ_DIR}/replay.c)
      add_test(NAME fuzz.${target}.replay COMMAND ${exe} ${seeds} ${regressions})
      set(fuzz_tests fuzz.${target}.replay)
    endif()
    set_tests_properties(${fuzz_tests} PROPERTIES ENVIRONMENT "TPP_SOURCE_DIR=${PROJECT_SOURCE_DIR}")
  endforeach()
endif()

# Crash consistency, concurrency and hostile input: tests/crash/*.sh and tests/hostile/*.sh drive
# the built binary like tests/cli/*.sh. The kill test runs a short count here (TPP_KILLS);
# .ci/run and docs/reliability.md give the longer runs.
if(BUILD_TESTING)
  file(GLOB TPP_RELIABILITY_TESTS CONFIGURE_DEPENDS ${PROJECT_SOURCE_DIR}/tests/crash/*.sh
       ${PROJECT_SOURCE_DIR}/tests/hostile/*.sh)
  foreach(script ${TPP_RELIABILITY_TESTS})
    get_filename_component(name ${script} NAME_WE)
    get_filename_component(dir ${script} DIRECTORY)
    get_filename_component(group ${dir} NAME)
    add_test(NAME ${group}.${name} COMMAND bash ${script})
    set_tests_properties(${group}.${name} PROPERTIES TIMEOUT 600 ENVIRONMENT
      "TPP=$<TARGET_FILE:tpp-cli>;TPP_SOURCE_DIR=${PROJECT_SOURCE_DIR};TPP_TEST_TMP=${CMAKE_BINARY_DIR}/tests/tmp/${group}-${name};TPP_KILLS=20")
  endforeach()
endif()
