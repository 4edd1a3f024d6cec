# seed: 000_9b1377d5d949121f.txt
# base-url: https://api.aiduct.ai
# key: $AIDUCT_KEY
# shows: "b64_json":"iVBORw0KGgo
curl https://api.aiduct.ai/v1/images/generations \
  -H "Authorization: Bearer $AIDUCT_KEY" \
  -H "Content-Type: application/json" \
  -d '{
    "model": "fal/flux-schnell",
    "prompt": "a red panda",
    "size": "1024x1024"
  }'
