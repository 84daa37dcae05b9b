// Original file: switchyard/users/v1/users.proto


export interface User {
  'id'?: (string);
  'email'?: (string);
  'name'?: (string);
}

export interface User__Output {
  'id': (string);
  'email': (string);
  'name': (string);
}
