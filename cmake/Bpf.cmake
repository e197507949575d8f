# Compiles a BPF C program and wraps it in a skeleton header:
#   bpf_skeleton(<target> <name> <source.bpf.c> [INCLUDES dir...])
# makes <name>.skel.h available to whoever links <target>. Every program
# sees bpflib/ (kernel types, checksums, the transmit-tracepoint filter)
# besides its own INCLUDES, and no other program's folder.
find_program(BPF_CLANG clang)
debian_package(BPF_CLANG clang "clang (the BPF compiler)")
find_program(BPFTOOL bpftool PATHS /usr/sbin /sbin)
debian_package(BPFTOOL bpftool "bpftool (BPF skeletons)")

if(CMAKE_SYSTEM_PROCESSOR MATCHES "x86_64|amd64")
  set(BPF_TARGET_ARCH x86)
elseif(CMAKE_SYSTEM_PROCESSOR MATCHES "aarch64|arm64")
  set(BPF_TARGET_ARCH arm64)
else()
  set(BPF_TARGET_ARCH ${CMAKE_SYSTEM_PROCESSOR})
endif()
execute_process(COMMAND ${CMAKE_C_COMPILER} -print-multiarch
                OUTPUT_VARIABLE BPF_MULTIARCH OUTPUT_STRIP_TRAILING_WHITESPACE
                ERROR_QUIET)

function(bpf_skeleton target name source)
  cmake_parse_arguments(ARG "" "" "INCLUDES" ${ARGN})
  set(out ${CMAKE_CURRENT_BINARY_DIR}/bpf)
  set(obj ${out}/${name}.bpf.o)
  set(skel ${out}/${name}.skel.h)
  set(incs -I${PROJECT_SOURCE_DIR}/bpflib/include)
  foreach(dir ${ARG_INCLUDES})
    list(APPEND incs -I${dir})
  endforeach()
  if(BPF_MULTIARCH)
    list(APPEND incs -idirafter /usr/include/${BPF_MULTIARCH})
  endif()
  get_filename_component(src ${source} ABSOLUTE)
  add_custom_command(
    OUTPUT ${obj}
    COMMAND ${CMAKE_COMMAND} -E make_directory ${out}
    COMMAND ${BPF_CLANG} -target bpf -O2 -g -Wall -Werror
            -D__TARGET_ARCH_${BPF_TARGET_ARCH} ${incs}
            -MD -MF ${obj}.d -c ${src} -o ${obj}
    DEPENDS ${src}
    DEPFILE ${obj}.d
    COMMENT "BPF ${name}.bpf.o"
    VERBATIM)
  add_custom_command(
    OUTPUT ${skel}
    COMMAND ${BPFTOOL} gen skeleton ${obj} name ${name} > ${skel}
    DEPENDS ${obj}
    COMMENT "BPF skeleton ${name}.skel.h"
    VERBATIM)
  add_custom_target(${name}_skel DEPENDS ${skel})
  add_dependencies(${target} ${name}_skel)
  target_include_directories(${target} PRIVATE ${out})
endfunction()
