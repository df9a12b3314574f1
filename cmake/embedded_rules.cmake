# bounced_embed_rules(TARGET DIR HEADER NAMESPACE FUNCTION TYPE COMMENT): compiles every DIR/*.toml
# into TARGET as string literals (cmake/embed_rules.cmake writes the source), behind FUNCTION,
# declared in HEADER in NAMESPACE and returning const std::vector<TYPE>& of {name, text}. The
# classifier's rules and the fallback decoder's phrases are embedded so.
function(bounced_embed_rules target dir header namespace function type comment)
  file(GLOB files CONFIGURE_DEPENDS ${dir}/*.toml)
  list(SORT files)
  set(output ${CMAKE_CURRENT_BINARY_DIR}/${function}.cpp)
  add_custom_command(
    OUTPUT ${output}
    COMMAND ${CMAKE_COMMAND} "-DRULES=${files}" -DOUTPUT=${output} -DINCLUDE=${header} -DNAMESPACE=${namespace}
            -DFUNCTION=${function} -DTYPE=${type} -P ${PROJECT_SOURCE_DIR}/cmake/embed_rules.cmake
    DEPENDS ${files} ${PROJECT_SOURCE_DIR}/cmake/embed_rules.cmake
    COMMENT "${comment}"
    VERBATIM)
  target_sources(${target} PRIVATE ${output})
endfunction()
