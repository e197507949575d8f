# Every dependency comes from a Debian package in run.sh's list. When one is
# missing, CMake stops with one line naming the package to install:
#   debian_package(<found-variable> <debian-package> <what>)
function(debian_package found package what)
  if(NOT ${found})
    message(FATAL_ERROR
      "${what} not found: install the Debian package ${package} (./run.sh build installs it)")
  endif()
endfunction()
