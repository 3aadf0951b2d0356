# attnc_add_bundle: compile attention kernels at build time.
#
#   attnc_add_bundle(TARGET <name>
#                    SOURCES a.mlir [b.mlir ...]
#                    TARGETS gfx942 gfx950 cpu
#                    OUTPUT <file.attnb>
#                    [HEADER <file.h>]
#                    [NAME <prefix>]          # the header's <prefix>_load()
#                    [OPTIONS <attn-compile options>...])
#
# Adds a custom command that runs attn-compile on SOURCES (one module) for
# TARGETS and writes the bundle OUTPUT (and the C header HEADER, with a typed
# launch function per kernel), re-run when a source or attn-compile changes;
# and a custom target <name> that builds them, for other targets to depend
# on (add_dependencies). Relative paths: SOURCES from the current source
# dir, OUTPUT and HEADER in the current binary dir. The target carries the
# properties ATTNC_BUNDLE (the bundle's path) and ATTNC_HEADER_DIR (the
# header's directory, to add to include paths).
function(attnc_add_bundle)
  cmake_parse_arguments(PARSE_ARGV 0 ARG "" "TARGET;OUTPUT;HEADER;NAME" "SOURCES;TARGETS;OPTIONS")
  if(ARG_UNPARSED_ARGUMENTS)
    message(FATAL_ERROR "attnc_add_bundle: unknown arguments: ${ARG_UNPARSED_ARGUMENTS}")
  endif()
  foreach(required TARGET SOURCES TARGETS OUTPUT)
    if(NOT ARG_${required})
      message(FATAL_ERROR "attnc_add_bundle: ${required} is required")
    endif()
  endforeach()
  if(NOT TARGET attnc::attn-compile)
    message(FATAL_ERROR "attnc_add_bundle: attnc::attn-compile is not defined "
                        "(find_package(attnc CONFIG) first)")
  endif()

  set(sources)
  foreach(src IN LISTS ARG_SOURCES)
    get_filename_component(src "${src}" ABSOLUTE BASE_DIR "${CMAKE_CURRENT_SOURCE_DIR}")
    list(APPEND sources "${src}")
  endforeach()
  get_filename_component(output "${ARG_OUTPUT}" ABSOLUTE BASE_DIR "${CMAKE_CURRENT_BINARY_DIR}")
  list(JOIN ARG_TARGETS "," targets)

  set(outputs "${output}")
  set(args ${sources} "--target=${targets}" -o "${output}")
  set(byproductDir)
  if(ARG_HEADER)
    get_filename_component(header "${ARG_HEADER}" ABSOLUTE BASE_DIR "${CMAKE_CURRENT_BINARY_DIR}")
    get_filename_component(byproductDir "${header}" DIRECTORY)
    list(APPEND outputs "${header}")
    list(APPEND args "--header=${header}")
  endif()
  if(ARG_NAME)
    list(APPEND args "--name=${ARG_NAME}")
  endif()
  list(APPEND args ${ARG_OPTIONS})

  get_filename_component(outDir "${output}" DIRECTORY)
  add_custom_command(
    OUTPUT ${outputs}
    COMMAND ${CMAKE_COMMAND} -E make_directory "${outDir}" ${byproductDir}
    COMMAND attnc::attn-compile ${args}
    DEPENDS ${sources} attnc::attn-compile $<TARGET_FILE:attnc::attn-compile>
    COMMENT "attn-compile: ${ARG_TARGET} for ${targets}"
    VERBATIM)
  add_custom_target(${ARG_TARGET} DEPENDS ${outputs})
  set_target_properties(${ARG_TARGET} PROPERTIES ATTNC_BUNDLE "${output}")
  if(ARG_HEADER)
    set_target_properties(${ARG_TARGET} PROPERTIES ATTNC_HEADER_DIR "${byproductDir}")
  endif()
endfunction()
