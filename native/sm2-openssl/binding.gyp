{
  "targets": [
    {
      "target_name": "sm2_openssl",
      "sources": ["sm2_openssl.c"],
      "cflags": ["-O2", "-Wall", "-Wextra", "-Wno-unused-parameter"],
      "conditions": [
        [
          "OS=='linux'",
          {
            "ldflags": ["-Wl,-z,now"]
          }
        ],
        [
          "OS=='mac'",
          {
            "xcode_settings": { "OTHER_LDFLAGS": ["-undefined", "dynamic_lookup"] }
          }
        ]
      ]
    }
  ]
}
