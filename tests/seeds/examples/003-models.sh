# seed: 003_0c3af6821ee45bd1.txt
# base-url: https://YOUR-HOST
# key: afk-YOUR_KEY
# shows: "pricing":{"input":"
curl https://YOUR-HOST/v1/models \
  -H "Authorization: Bearer afk-YOUR_KEY"
