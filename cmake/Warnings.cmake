# sockit_warnings(target): the warning set every sockit target is built with.
function(sockit_warnings target)
  target_compile_options(${target} PRIVATE -Wall -Wextra -Wshadow -Wconversion -Wsign-conversion
                                           -Wnon-virtual-dtor -Wold-style-cast -Wpedantic)
endfunction()
